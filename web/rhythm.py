"""A community's rhythm on the pages: the console's series section, carried topics, Edcamps near me.

Every handler calls rhythm's services (the same as the API); nothing here decides anything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Request, Router, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from community import services as community_services
from community.tables import Community
from events import services as event_services
from events.dependencies import event_of, guarded_participant
from events.tables import Event
from rhythm import carry, near, services
from rhythm.schemas import NearOut, SeriesIn, SeriesOut
from unconf import ratelimit
from unconf.auth import client_address, token_cookie
from unconf.errors import DomainError, ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.settings import get_settings
from web.common import (
    PAGE_EXCEPTION_HANDLERS,
    clear_flash,
    flash_cookie,
    form_fields,
    join_qr,
    page_requires_organizer,
    page_requires_participant,
    phase_label,
    read_flash,
    viewer_or_none,
)

__all__ = ["RHYTHM_PAGE_HANDLERS", "community_rhythm_context", "console_rhythm_context"]

ANCHOR = "series"
REASONS = {
    "unscheduled": gettext_noop("It did not make the agenda."),
    "crowded": gettext_noop("Its room could not hold everyone who wanted it."),
}


def webcal(path: str, query: dict[str, str] | None = None) -> str:
    """The same feed as a ``webcal://`` link, which calendar apps open as a subscription."""
    base = urlsplit(get_settings().public_url)
    suffix = f"?{urlencode(query)}" if query else ""
    return f"webcal://{base.netloc}{base.path.rstrip('/')}{path}{suffix}"


def _message(exc: DomainError) -> str:
    return "!" + exc.detail[0].upper() + exc.detail[1:] + "."


# -- the console's "Series" section -----------------------------------------------------------------------------


async def console_rhythm_context(event: Event) -> dict[str, Any]:
    """What the console's series section shows, under one key (nothing when the event has no community)."""
    community = await community_services.community_of_event(event.id)
    if community is None:
        return {"rhythm": {"community": None}}
    series = await services.series_out(community)
    return {
        "rhythm": {
            "community": community,
            "series": series,
            "offers": await carry.event_offers(event) if event.phase == "closed" else [],
            "webcal": webcal(f"/c/{community.slug}/events.ics"),
        }
    }


async def _console_community(request: Request[Any, Any, Any], slug: str) -> tuple[Event, Community]:
    event = await event_of(request, slug)
    community = await community_services.community_of_event(event.id)
    if community is None:
        raise ValidationFailed(_("make a community for this event first"), field="community")
    return event, community


@post("/e/{slug:str}/organize/series", name="console_series", status_code=303, guards=[page_requires_organizer])
async def console_series(request: Request[Any, Any, Any], slug: str) -> Redirect:
    fields = await form_fields(request)
    try:
        _event, community = await _console_community(request, slug)
        await services.set_series(
            community,
            SeriesIn(
                rule=fields.get("rule", "")[:500],
                city=fields.get("city", "")[:120],
                count_carried=fields.get("count_carried") == "yes",
            ),
        )
        message = _("Series saved.")
    except DomainError as exc:
        message = _message(exc)
    return Redirect(path=f"/e/{slug}/organize#{ANCHOR}", status_code=303, cookies=[flash_cookie(message)])


@post("/e/{slug:str}/organize/plan-next", name="console_plan_next", status_code=201, guards=[page_requires_organizer])
async def console_plan_next(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    """One click: the next event of the series. This browser becomes its organizer; the key is shown once."""
    me = guarded_participant(request)
    try:
        _event, community = await _console_community(request, slug)
        await ratelimit.check("create_event", address=client_address(request))
        planned = await services.plan_next(community, me)
    except DomainError as exc:
        return Redirect(path=f"/e/{slug}/organize#{ANCHOR}", status_code=303, cookies=[flash_cookie(_message(exc))])
    join_link, board_url = event_services.links(planned.event.slug, planned.event.join_code or "")
    context = {
        "event": None,
        "planned": planned,
        "community": community,
        "join_link": join_link,
        "board_url": board_url,
        "qr": join_qr(join_link),
    }
    cookie = token_cookie(planned.event.slug, planned.organizer_key)
    return Template(template_name="planned.html", context=context, status_code=201, cookies=[cookie])


# -- carried topics: the proposer's answer --------------------------------------------------------------------------


@get("/e/{slug:str}/carry", name="carry_page")
async def carry_page(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    """The proposer's topics of this (closed) event offered to the next one: bring each again?"""
    event = await event_of(request, slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return Redirect(path=f"/e/{slug}/join", status_code=303)
    flash = read_flash(request)
    context = {
        "event": event,
        "me": me,
        "phase": event.phase,
        "phase_label": phase_label(event.phase),
        "is_organizer": me.role == "organizer",
        "offers": await carry.my_offers(event, me),
        "reasons": {key: _(text) for key, text in REASONS.items()},
        "flash": flash.lstrip("!"),
        "flash_error": flash.startswith("!"),
        "nav": "carry",
    }
    return Template(template_name="carry.html", context=context, cookies=[clear_flash()] if flash else [])


@post("/e/{slug:str}/carry", name="carry_answer", status_code=303, guards=[page_requires_participant])
async def carry_answer(request: Request[Any, Any, Any], slug: str) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    raw_id = fields.get("offer_id", "")
    try:
        if not raw_id.isdigit() or len(raw_id) > 10:
            raise ValidationFailed(_("choose one of your topics"), field="offer_id")
        offer = await carry.answer_offer(event, me, int(raw_id), fields.get("answer", ""))
        if offer.answer == "yes" and offer.carried_proposal:
            message = _("“{title}” comes again in {event}.").format(title=offer.title, event=offer.to_event)
        elif offer.answer == "yes":
            message = _("“{title}” comes again when the next event is planned.").format(title=offer.title)
        else:
            message = _("“{title}” stays here.").format(title=offer.title)
    except DomainError as exc:
        message = _message(exc)
    return Redirect(path=f"/e/{slug}/carry", status_code=303, cookies=[flash_cookie(message)])


# -- Edcamps near me ------------------------------------------------------------------------------------------------


def _float(text: str | None, field: str) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return float(text.strip()[:32])
    except ValueError as exc:
        raise ValidationFailed(_("{field} must be a number").format(field=field), field=field) from exc


@get("/near", name="near_page")
async def near_page(
    city: FromQuery[str | None] = None, lat: FromQuery[str | None] = None, lon: FromQuery[str | None] = None
) -> Template:
    """Upcoming public events of every community here, nearest first, from a city or the browser's location."""
    found: NearOut | None = None
    error, status = "", 200
    asked = bool((city and city.strip()) or lat or lon)
    if asked:
        try:
            found = await near.near(city, _float(lat, "lat"), _float(lon, "lon"))
        except ValidationFailed as exc:
            error, status = exc.detail[0].upper() + exc.detail[1:] + ".", 400
    feed_query = {"city": city.strip()} if city and city.strip() else {"lat": lat or "", "lon": lon or ""}
    context = {
        "event": None,
        "city": (city or "")[:120],
        "found": found,
        "error": error,
        "feed": f"/near.ics?{urlencode(feed_query)}" if found is not None else "",
        "webcal": webcal("/near.ics", feed_query) if found is not None else "",
    }
    return Template(template_name="near.html", context=context, status_code=status)


# -- the community page: its series and, for a member, what is coming ------------------------------------------------


async def community_rhythm_context(community: Community) -> dict[str, Any]:
    """The community page's series block: upcoming events, the feed, and public events near its city."""
    series: SeriesOut = await services.series_out(community)
    nearby: NearOut | None = None
    if series.latitude is not None and series.longitude is not None:
        found = await near.near(lat=series.latitude, lon=series.longitude, limit=6)
        mine = {e.slug for e in series.upcoming}
        nearby = NearOut(
            place=series.city,
            latitude=found.latitude,
            longitude=found.longitude,
            events=[e for e in found.events if e.slug not in mine][:5],
        )
    return {
        "series": series,
        "nearby": nearby,
        "feed": f"/c/{community.slug}/events.ics",
        "webcal": webcal(f"/c/{community.slug}/events.ics"),
    }


RHYTHM_PAGE_HANDLERS: list[Any] = [
    Router(
        path="/",
        route_handlers=[console_series, console_plan_next, carry_page, carry_answer, near_page],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
]
