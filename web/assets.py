"""Static files under content-hashed names: cached by browsers for a year, never stale.

``asset("app.css")`` (a Jinja global) gives ``/assets/app.3f2a9c1d0b.css``; the name changes when the
file does, so the answer can say ``Cache-Control: immutable`` and a phone never asks again. Files are
read once, and each is kept gzip-compressed too, sent to clients that accept it. The plain
``/static/<name>`` URLs keep working (for pages cached before an upgrade, and for anyone linking them).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from typing import Any

from litestar import Request, get
from litestar.response import Response

from unconf.errors import NotFound
from unconf.i18n import gettext as _
from web import WEB_DIR

STATIC_DIR = WEB_DIR / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = (".css", ".js", ".svg", ".json", ".txt", ".html")


@dataclass(frozen=True)
class Asset:
    name: str
    hashed: str
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _hashed_name(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


@cache
def assets() -> dict[str, Asset]:
    """Hashed name → the file, for every file in ``web/static`` (read once per process)."""
    found: dict[str, Asset] = {}
    for path in sorted(p for p in STATIC_DIR.iterdir() if p.is_file()):
        body = path.read_bytes()
        digest = hashlib.blake2b(body, digest_size=5).hexdigest()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type in ("application/javascript", "image/svg+xml"):
            media_type += "; charset=utf-8"
        squeezed = gzip.compress(body, compresslevel=9, mtime=0) if path.suffix in COMPRESSIBLE else None
        hashed = _hashed_name(path.name, digest)
        found[hashed] = Asset(
            name=path.name,
            hashed=hashed,
            body=body,
            gzipped=squeezed if squeezed is not None and len(squeezed) < len(body) else None,
            media_type=media_type,
            etag=f'"{digest}"',
        )
    return found


@cache
def _by_name() -> dict[str, str]:
    return {a.name: a.hashed for a in assets().values()}


def asset(name: str) -> str:
    """The URL of a static file under its content-hashed name (the plain /static URL if it is unknown)."""
    hashed = _by_name().get(name)
    return f"/assets/{hashed}" if hashed else f"/static/{name}"


def accepts_gzip(request: Request[Any, Any, Any]) -> bool:
    """``Accept-Encoding`` names gzip (or ``*``) without refusing it with ``q=0``."""
    for part in request.headers.get("accept-encoding", "").lower().replace(" ", "").split(","):
        coding, *params = part.split(";")
        if coding in ("gzip", "*") and not any(p in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            return True
    return False


@get("/assets/{name:str}", name="asset", include_in_schema=False, opt={"precompressed": True}, sync_to_thread=False)
def serve_asset(request: Request[Any, Any, Any], name: str) -> Response[bytes]:
    found = assets().get(name)
    if found is None:
        raise NotFound(_("no such file"), field="name")
    headers = {"Cache-Control": IMMUTABLE, "ETag": found.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(b"", status_code=304, headers=headers, media_type=found.media_type)
    if found.gzipped is not None and accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, headers=headers, media_type=found.media_type)
    return Response(found.body, headers=headers, media_type=found.media_type)
