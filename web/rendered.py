"""Pages a crowd loads, rendered once and served from memory until the event changes.

A rendered page is kept in the read cache (``unconf.cache.read_cache``) under the event, keyed by
the template, whose page it is (the person, or nobody) and the language, so ``realtime.publish``
drops it with the event's other reads, on every worker. A page showing a one-time message is
rendered fresh and not kept. Each answer carries an ``ETag`` and ``Last-Modified``; a browser that
sends them back gets a ``304`` with no body.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import MediaType, Request, Response
from litestar.response import Template

from agenda import services as agenda_services
from events.tables import Event
from unconf import i18n
from unconf.cache import read_cache
from unconf.errors import NotFound
from web import web_templates
from web.assets import accepts_gzip
from web.common import clear_flash, local_now, read_flash

PRECOMPRESSED = {"precompressed": True}
"""The ``opt`` of a route answered by ``cached_page``: it compresses once, the app's compression skips it."""


@dataclass
class RenderedPage:
    body: bytes
    etag: str
    last_modified: datetime
    gzipped: bytes | None = None
    """Made on the first request that accepts gzip, then kept with the page."""


def _rendered(template: str, context: dict[str, Any]) -> RenderedPage:
    body = web_templates().get_template(template).render(**context).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return RenderedPage(body=body, etag=etag, last_modified=datetime.now(UTC).replace(microsecond=0))


def not_modified(request: Request[Any, Any, Any], etag: str, last_modified: datetime | None) -> bool:
    """The browser's copy is current: ``If-None-Match`` matches, or (without it) ``If-Modified-Since`` is not older."""
    match = request.headers.get("if-none-match")
    if match is not None:
        return any(tag.strip().removeprefix("W/") == etag for tag in match.split(",")) or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            return last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


async def cached_page(
    request: Request[Any, Any, Any],
    event: Event,
    template: str,
    key: str,
    context: Callable[[], Awaitable[dict[str, Any]]],
    *,
    private: bool = True,
    headers: dict[str, str] | None = None,
) -> Response[bytes] | Template:
    """The page for ``key`` (who is looking, plus whatever else changes it) from memory, or rendered and kept.

    ``context`` builds the template's context; it runs only when the page is not in memory. The route
    declares ``opt=PRECOMPRESSED``: the page is kept gzip-compressed too, for clients that accept it.
    """
    if read_flash(request):
        # A one-time message is this response's alone: render it fresh, keep nothing, clear the message.
        fresh = await context()
        return Template(template_name=template, context=fresh, cookies=[clear_flash()], headers=headers or {})

    async def render() -> RenderedPage:
        return _rendered(template, await context())

    lang = i18n.current_locale()
    page = await read_cache.through(event.slug, f"page:{template}:{lang}:{key}", render)
    sent = {
        "ETag": page.etag,
        "Last-Modified": format_datetime(page.last_modified, usegmt=True),
        "Cache-Control": ("private" if private else "public") + ", no-cache",
        **(headers or {}),
    }
    sent["Vary"] = (
        "Accept-Encoding, Accept-Language, Cookie, Authorization" if private else "Accept-Encoding, Accept-Language"
    )
    if not_modified(request, page.etag, page.last_modified):
        return Response(content=b"", status_code=304, headers=sent, media_type=MediaType.HTML)
    if accepts_gzip(request):
        if page.gzipped is None:
            page.gzipped = gzip.compress(page.body, compresslevel=6, mtime=0)
        sent["Content-Encoding"] = "gzip"
        return Response(content=page.gzipped, headers=sent, media_type=MediaType.HTML)
    return Response(content=page.body, headers=sent, media_type=MediaType.HTML)


async def clock_key(event: Event) -> str:
    """What the clock changes on a page of this event: the slots running now and next (from memory)."""
    if event.phase not in ("scheduled", "running", "closed"):
        return "-"
    try:
        agenda = await agenda_services.cached_agenda(event)
    except NotFound:
        return "-"
    now = local_now(event)
    slots = sorted(agenda.slots, key=lambda s: s.starts_at)
    now_id = next((s.id for s in slots if s.starts_at <= now < s.ends_at), None)
    next_id = next((s.id for s in slots if s.starts_at > now), None)
    return f"{now_id}:{next_id}"
