"""The organizer console: set up an Edcamp in one form, then run the day from one page.

Every button is a plain form post handled here, checked by the same ``authenticate`` as the API,
and done by the same services; the answer is a redirect back with a one-line message.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec
from litestar import Request, get, post
from litestar.response import Redirect, Template

from agenda import autopilot, optimizer
from agenda import rooms as room_services
from agenda import services as agenda_services
from agenda import slots as slot_services
from agenda.schemas import (
    AgendaOut,
    AutopilotOut,
    AutopilotSet,
    BuildRequest,
    PlacementSet,
    RepeatableSet,
    RoomCreate,
    RoomPatch,
    SlotCreate,
    SlotPatch,
)
from events import services as event_services
from events import tiers
from events.dependencies import event_of, guarded_participant
from events.schemas import EventPatch, PhaseChange, RemoveParticipants
from events.services import links
from events.tables import Event, Participant
from exports.registry import REGISTRY as EXPORTERS
from rooms import links as video_links
from rooms.edcamp import EdcampCreate, create_edcamp
from rooms.schemas import VideoSettingsIn
from rooms.video import REGISTRY as VIDEO_PROVIDERS
from sessions import services as proposal_services
from sessions.schemas import MergeRequest, ProposalCreate, ProposalPatch
from unconf import i18n, ratelimit
from unconf.auth import client_address, is_organizer, same_origin, token_cookie
from unconf.errors import DomainError, Forbidden, NotFound, ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop, ngettext
from unconf.validation import check_timezone, in_timezone
from voting import services as vote_services
from web import console_intelligence
from web import rhythm as rhythm_pages
from web.common import (
    PHASE_LABELS,
    clear_flash,
    event_tz,
    flash_cookie,
    form_fields,
    join_qr,
    page_requires_organizer,
    participant_for_key,
    phase_label,
    phase_labels,
    read_flash,
    viewer_for_write,
    viewer_or_none,
)

COMMON_TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
DEFAULT_SLOTS = "09:30-10:15\n10:30-11:15\n11:30-12:15\n12:15-13:00 Lunch\n13:00-13:45\n14:00-14:45"
_SLOT_LINE = re.compile(
    r"^(\d{1,2})[:.h](\d{2})\s*(?:-|\u2013|\u2014|to)\s*(\d{1,2})[:.h](\d{2})\s*(.*)$", re.IGNORECASE
)
_BREAK_WORDS = ("break", "lunch", "coffee", "pause")
_PLENARY_WORDS = ("plenary", "opening", "closing", "welcome", "keynote", "wrap")


def parse_slot_lines(text: str) -> list[tuple[str, str, str, str]]:
    """'09:30-10:15 Opening' per line -> (start, end, kind, label); breaks and plenaries by their label."""
    out: list[tuple[str, str, str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        m = _SLOT_LINE.match(line)
        if m is None:
            raise ValidationFailed(
                _("slot line {number} ({line!r}) is not like 09:30-10:15").format(number=number, line=line[:40]),
                field="slots",
            )
        h1, m1, h2, m2, label = int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5].strip()[:80]
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationFailed(
                _("slot line {number} has a time that does not exist").format(number=number), field="slots"
            )
        start, end = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        if end <= start:
            raise ValidationFailed(_("slot line {number} ends before it starts").format(number=number), field="slots")
        lowered = label.lower()
        kind = "breakout"
        if lowered.startswith(_BREAK_WORDS):
            kind = "break"
        elif lowered.startswith(_PLENARY_WORDS):
            kind = "plenary"
        out.append((start, end, kind, label))
    if not out:
        raise ValidationFailed(_("add at least one time slot, like 09:30-10:15"), field="slots")
    ordered = sorted(out)
    for a, b in itertools.pairwise(ordered):
        if b[0] < a[1]:
            raise ValidationFailed(
                _("the slots {first} and {second} overlap").format(first=f"{a[0]}-{a[1]}", second=f"{b[0]}-{b[1]}"),
                field="slots",
            )
    return ordered


def _page(template: str, context: dict[str, Any], status: int = 200, cookies: list[Any] | None = None) -> Template:
    all_cookies = list(cookies or [])
    if context.get("flash"):
        all_cookies.append(clear_flash())
    return Template(template_name=template, context=context, status_code=status, cookies=all_cookies)


# --- the start page --------------------------------------------------------------------------------


def _home(code: str = "", error: str = "", status: int = 200, events: list[Event] | None = None) -> Template:
    context = {"code": code, "error": error, "events": events or []}
    return Template(template_name="home.html", context=context, status_code=status)


@get("/", name="home")
async def home() -> Template:
    """Start an Edcamp, join one with its code, or pick an upcoming event whose organizers listed it."""
    return _home(events=await event_services.listed_upcoming(date.today()))


@post("/join", name="join_with_code", status_code=303)
async def join_with_code(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The code on the board leads to that event's join form; a wrong code comes back here to fix."""
    if not same_origin(request):
        raise Forbidden(_("cross-site request refused: send it from this site's form"), code="csrf_refused")
    fields = await form_fields(request)
    code = fields.get("code", "").strip().upper()[:16]
    if not code:
        return _home(code, _("Please type the join code shown on the board."), 400)
    await ratelimit.check("join", address=client_address(request))
    try:
        event = await event_services.event_for_join_code(code)
    except NotFound:
        return _home(
            code, _("No event has the join code {code}. Check it on the board and try again.").format(code=code), 404
        )
    return Redirect(path=f"/e/{event.slug}/join?code={event.join_code}", status_code=303)


# --- creating an event: one form, one result page ----------------------------------------------

SETUP_FIELDS = (
    "title",
    "organizer_name",
    "start_date",
    "timezone",
    "venue",
    "breakout_rooms",
    "starts_at",
    "breakout_slots",
    "slot_minutes",
    "dots_per_participant",
)
_SETUP_NUMBERS = ("breakout_rooms", "breakout_slots", "slot_minutes", "dots_per_participant")
_SETUP_WORDS = {
    "title": gettext_noop("the event name"),
    "organizer_name": gettext_noop("your name"),
    "start_date": gettext_noop("the date"),
    "timezone": gettext_noop("the time zone"),
    "breakout_rooms": gettext_noop("the number of breakout rooms"),
    "starts_at": gettext_noop("the opening time"),
    "breakout_slots": gettext_noop("the number of session slots"),
    "slot_minutes": gettext_noop("the session length"),
    "dots_per_participant": gettext_noop("the dots per person"),
    "venue": gettext_noop("the venue"),
}
"""The setup form's fields in words (English: translated where an error names them)."""


def setup_defaults() -> dict[str, str]:
    """The form before the browser fills in its own date and time zone (setup.js): today, UTC."""
    defaults = EdcampCreate(title="x", start_date=date.today(), organizer_name="x")
    return {
        "title": "",
        "organizer_name": "",
        "start_date": date.today().isoformat(),
        "timezone": "UTC",
        "venue": "",
        "breakout_rooms": str(defaults.breakout_rooms),
        "starts_at": defaults.starts_at,
        "breakout_slots": str(defaults.breakout_slots),
        "slot_minutes": str(defaults.slot_minutes),
        "dots_per_participant": str(defaults.dots_per_participant),
    }


def _setup_page(values: dict[str, str], error: str = "", field: str = "", status: int = 200) -> Template:
    context = {
        "values": values,
        "error": error,
        "error_field": field,
        "timezones": COMMON_TIMEZONES,
        "fresh": not error,
    }
    return Template(template_name="new_event.html", context=context, status_code=status)


@get("/new", name="new_event_form")
async def new_event_form() -> Template:
    """The one way to start an event from a browser (the API and ``unconf new-edcamp`` use the same service)."""
    return _setup_page(setup_defaults())


@get("/new-edcamp", name="new_edcamp_form", status_code=302)
async def new_edcamp_form() -> Redirect:
    return Redirect(path="/new", status_code=302)


@post("/new-edcamp", name="new_edcamp_submit", status_code=308)
async def new_edcamp_submit() -> Redirect:
    """Old bookmarks and forms post here: the same request goes on to ``/new``."""
    return Redirect(path="/new", status_code=308)


def _setup_data(values: dict[str, str]) -> EdcampCreate:
    raw: dict[str, Any] = {k: v for k, v in values.items() if v}
    for name in _SETUP_NUMBERS:
        if name in raw:
            text = raw[name]
            if not text.isdigit() or len(text) > 6:
                raise ValidationFailed(
                    _("{what} must be a whole number").format(what=_(_SETUP_WORDS[name])), field=name
                )
            raw[name] = int(text)
    for name in ("title", "organizer_name", "start_date"):
        if name not in raw:
            raise ValidationFailed(_("please fill in {what}").format(what=_(_SETUP_WORDS[name])), field=name)
    check_timezone(raw.get("timezone", "UTC"))
    try:
        return msgspec.convert(raw, EdcampCreate)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.split("$.", 1)[1].split("`", 1)[0] if "$." in message else ""
        words = _(_SETUP_WORDS[field]) if field in _SETUP_WORDS else _("the form")
        detail = message.split(" - at ", 1)[0]
        raise ValidationFailed(
            _("please check {what}: {problem}").format(what=words, problem=detail), field=field
        ) from exc


@post("/new", name="new_event", status_code=201)
async def new_event(request: Request[Any, Any, Any]) -> Template:
    """A free Edcamp from one form: main room, breakout rooms, the morning's slots, dots, open for proposals.

    The organizer is signed in on this browser straight away; the key is shown once.
    """
    if not same_origin(request):
        raise Forbidden(_("cross-site request refused: send it from this site's form"), code="csrf_refused")
    await ratelimit.check("create_event", address=client_address(request))
    fields = await form_fields(request)
    values = {k: fields.get(k, "").strip()[:200] for k in SETUP_FIELDS}
    try:
        created = await create_edcamp(_setup_data(values))
    except DomainError as exc:
        return _setup_page(values, exc.detail, exc.field or "", status=exc.status_code)
    context = {"created": created, "qr": join_qr(created.join_link)}
    cookie = token_cookie(created.event.slug, created.organizer_key)
    return Template(template_name="created.html", context=context, status_code=201, cookies=[cookie])


# --- the console ---------------------------------------------------------------------------------


def _twins(proposals: list[Any]) -> list[tuple[Any, Any]]:
    """Pairs of live proposals that look like the same topic, for one-click merging."""
    pairs = []
    for i, a in enumerate(proposals):
        for b in proposals[i + 1 :]:
            if proposal_services.title_similarity(a.title, b.title) >= 0.6:
                keep, fold = (a, b) if (a.votes, -a.id) >= (b.votes, -b.id) else (b, a)
                pairs.append((fold, keep))
    return pairs[:20]


PHASE_ORDER = list(PHASE_LABELS)


def phase_moves(event: Event, has_published: bool) -> tuple[list[str], list[str]]:
    """(moves that can succeed now, moves that wait for a published agenda) from the event's phase."""
    ready, waiting = [], []
    for phase in event_services.allowed_next_phases(event.phase):
        if phase in ("scheduled", "running") and not has_published:
            waiting.append(phase)
        else:
            ready.append(phase)
    return ready, waiting


def score_in_words(event: Event, problem: Any, agenda: AgendaOut) -> list[str]:
    """What the optimizer's number is made of, in the organizer's words (the weights are its own)."""
    assignment = {s.proposal_id: (s.slot_id, s.room_id) for s in agenda.sessions if s.run == 1}
    repeats = {s.proposal_id: (s.slot_id, s.room_id) for s in agenda.sessions if s.run == 2}
    _evaluated, metrics, _details = optimizer.evaluate(problem, assignment, repeats)
    weights = problem.weights

    def points(n: int) -> str:
        return ngettext("{n} point", "{n} points", n).format(n=n)

    def times(n: int) -> str:
        return ngettext("{n} time", "{n} times", n).format(n=n)

    lines = [
        _("{points} for each time a person gets a session they voted for: {times}.").format(
            points=points(weights.interest), times=times(metrics["interest"])
        ),
    ]
    short = metrics["overflow"]
    lines.append(
        ngettext(
            "{points} off for each voter beyond a room's seats: {n} seat short.",
            "{points} off for each voter beyond a room's seats: {n} seats short.",
            short,
        ).format(points=points(weights.overflow), n=short)
        if short
        else _("{points} off for each voter beyond a room's seats: every room has enough seats.").format(
            points=points(weights.overflow)
        )
    )
    if weights.moved:
        lines.append(
            ngettext(
                "{points} off for each session moved from the published agenda: {n} session moved.",
                "{points} off for each session moved from the published agenda: {n} sessions moved.",
                metrics["moved"],
            ).format(points=points(weights.moved), n=metrics["moved"])
        )
    if repeats:
        lines.append(
            ngettext(
                "{n} session runs twice for a crowd; a person's interest in a topic counts once, "
                "whichever run they go to.",
                "{n} sessions run twice for a crowd; a person's interest in a topic counts once, "
                "whichever run they go to.",
                len(repeats),
            ).format(n=len(repeats))
        )
    clashes = metrics["clashes"]
    lines.append(
        ngettext(
            "{n} time someone wanted two sessions at the same hour (the clash report below).",
            "{n} times someone wanted two sessions at the same hour (the clash report below).",
            clashes,
        ).format(n=clashes)
        if clashes
        else _("Nobody who voted has two wanted sessions at the same hour.")
    )
    return lines


class ProviderField(msgspec.Struct, kw_only=True):
    """One input of a video provider's settings, drawn from the provider's own Config/Secrets structs."""

    name: str
    label: str
    kind: str  # text, number, checkbox, select, secret
    value: Any
    choices: list[str] = msgspec.field(default_factory=list)


_LABEL_WORDS = {"url": "URL", "id": "ID", "api": "API"}


def _field_label(name: str) -> str:
    """``base_url`` -> 'Base URL'."""
    words = [_LABEL_WORDS.get(w, w) for w in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _provider_fields(struct: type[msgspec.Struct], stored: dict[str, Any], *, secret: bool) -> list[ProviderField]:
    out = []
    for f in msgspec.structs.fields(struct):
        default = None if f.default is msgspec.NODEFAULT else f.default
        value = "" if secret else stored.get(f.name, default)
        hint = f.type
        args = get_args(hint)
        base = args[0] if get_origin(hint) is Annotated else hint
        choices = [str(c) for c in get_args(base)] if get_origin(base) is Literal else []
        kind = "secret" if secret else "checkbox" if base is bool else "number" if base is int else "text"
        if choices:
            kind = "select"
        out.append(ProviderField(name=f.name, label=_field_label(f.name), kind=kind, value=value, choices=choices))
    return out


def video_forms(video: Any) -> list[dict[str, Any]]:
    """Every provider the tier offers, with its settings as inputs (secrets are never shown, only whether set)."""
    forms = []
    for info in video.providers:
        cls = VIDEO_PROVIDERS.get(info.name)
        if cls is None or not info.in_tier:
            continue
        stored = video.config if video.provider == info.name else {}
        forms.append(
            {
                "name": info.name,
                "label": info.label,
                "notes": info.notes,
                "config": _provider_fields(cls.Config, stored, secret=False),
                "secrets": _provider_fields(cls.Secrets, {}, secret=True),
            }
        )
    return forms


def _local_input(value: datetime | None, event: Event) -> str:
    """A stored time as a datetime-local value on the event's clock."""
    shown = in_timezone(value, event_tz(event))
    return shown.strftime("%Y-%m-%dT%H:%M") if shown else ""


def export_links(event: Event) -> list[tuple[str, str]]:
    return [(f"/e/{event.slug}/export/{e.identifier}", e.verbose_name) for e in EXPORTERS.values()]


async def console_context(request: Request[Any, Any, Any], event: Event, me: Participant) -> dict[str, Any]:
    rooms = await room_services.list_rooms(event)
    slots = await slot_services.list_slots(event)
    proposals = await proposal_services.list_proposals(event, include_inactive=False)
    draft: AgendaOut | None
    published: AgendaOut | None
    try:
        draft = await agenda_services.read_draft(event)
    except NotFound:
        draft = None
    try:
        published = await agenda_services.read_agenda(event)
    except NotFound:
        published = None
    started = await agenda_services.started_slots(event)
    running = await agenda_services.day_is_running(event)
    join_link, board_url = links(event.slug, event.join_code)
    shown = draft or published
    titles = {p.id: p.title for p in proposals}
    flash = read_flash(request)
    people = await event_services.list_participants(event)
    ready, waiting = phase_moves(event, published is not None)
    tz = event_tz(event)
    ends = in_timezone(event.phase_ends_at, tz)
    video = await video_links.read_settings(event)
    pilot: AutopilotOut | None
    try:
        pilot = await autopilot.read_autopilot(event)
    except NotFound:
        pilot = None  # no timeline: every step by hand
    score_lines = score_in_words(event, await agenda_services.build_problem(event), shown) if shown else []
    tier = tiers.tier_of(event)
    return {
        "event": event,
        "me": me,
        "phase_label": phase_label(event.phase),
        "phase_labels": phase_labels(),
        "phase_buttons": [
            (p, "Move to" if PHASE_ORDER.index(p) > PHASE_ORDER.index(event.phase) else "Back to") for p in ready
        ],
        "waiting_phases": waiting,
        "phase_ends_local": f"{i18n.format_day_time(ends)} ({event.timezone})" if ends else "",
        "phase_ends_input": _local_input(event.phase_ends_at, event),
        "rooms": rooms,
        "slots": slots,
        "breakout_slots": [s for s in slots if s.kind == "breakout"],
        "proposals": sorted(proposals, key=lambda p: (-p.votes, p.id)),
        "twins": _twins(proposals),
        "draft": draft,
        "published": published,
        "shown": shown,
        "score_lines": score_lines,
        "cells": {(s.slot_id, s.room_id): s for s in shown.sessions} if shown else {},
        "titles": titles,
        "repeatable": {r.proposal_id for r in await agenda_services.list_repeatable(event)},
        "running_warning": running,
        "started": started,
        "join_link": join_link,
        "board_url": board_url,
        "people": people,
        "attendees": [p for p in people if p.role != "organizer"],
        "flash": flash.lstrip("!"),
        "flash_error": flash.startswith("!"),
        "can_build": event.phase in agenda_services.BUILD_PHASES,
        "can_propose": event.phase in proposal_services.proposing_phases(event, me),
        "timezones": COMMON_TIMEZONES,
        "video": video,
        "video_forms": video_forms(video),
        "autopilot": pilot,
        "autopilot_inputs": {
            "proposals_until": _local_input(pilot.proposals_until if pilot else None, event),
            "voting_until": _local_input(pilot.voting_until if pilot else None, event),
            "publish_at": _local_input(pilot.publish_at if pilot else None, event),
        },
        "local": lambda v: i18n.format_time(in_timezone(v, tz)) if v else "",
        "exports": export_links(event),
        "usage_reports": tier.usage_reports,
        # The agenda-intelligence panel: the proven bound and the day's re-balancing proposal.
        **await console_intelligence.intelligence_context(event),
        # The community's series: its rule, city, next dates and "plan the next one".
        **await rhythm_pages.console_rhythm_context(event),
    }


@get("/e/{slug:str}/organize", name="console")
async def console_page(request: Request[Any, Any, Any], slug: str) -> Template:
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    if me is None or not is_organizer(me):
        flash = read_flash(request)
        context = {
            "event": event,
            "attendee": me is not None,
            "phase_label": phase_label(event.phase),
            "flash": flash.lstrip("!"),
            "flash_error": flash.startswith("!"),
        }
        return _page("signin.html", context, status=200)
    return _page("console.html", await console_context(request, event, me))


@post("/e/{slug:str}/organize/signin", name="console_signin", status_code=303)
async def console_signin(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Paste the organizer key once; from then on the HttpOnly cookie carries it."""
    event = await event_services.get_event(slug)
    await viewer_for_write(request, event)
    fields = await form_fields(request)
    key = fields.get("key", "").strip()
    who = await participant_for_key(event, key)
    if who is None or not is_organizer(who):
        return Redirect(
            path=f"/e/{slug}/organize",
            status_code=303,
            cookies=[
                flash_cookie("!" + _("That is not an organizer key for this event. Check it and paste it again."))
            ],
        )
    return Redirect(
        path=f"/e/{slug}/organize",
        status_code=303,
        cookies=[token_cookie(slug, key), flash_cookie(_("Signed in as {name}.").format(name=who.display_name))],
    )


Action = Callable[[Event, dict[str, str]], Awaitable[str]]
FullAction = Callable[[Event, dict[str, str], Any], Awaitable[str]]


async def _run(request: Request[Any, Any, Any], slug: str, anchor: str, action: Action) -> Redirect:
    """Do one thing for the organizer the route's guard let in, go back to the console with what happened."""
    event = await event_of(request, slug)
    fields = await form_fields(request)
    try:
        message = await action(event, fields)
    except DomainError as exc:
        message = "!" + exc.detail[0].upper() + exc.detail[1:] + "."
    except msgspec.ValidationError as exc:
        message = "!" + _("Please check the form: {problem}.").format(problem=exc)
    return Redirect(path=f"/e/{slug}/organize#{anchor}", status_code=303, cookies=[flash_cookie(message)])


_CHOOSE = {
    "proposal_id": gettext_noop("choose a proposal"),
    "into": gettext_noop("choose the proposal to merge into"),
    "slot_id": gettext_noop("choose a slot"),
    "room_id": gettext_noop("choose a room"),
    "main_room_id": gettext_noop("choose a main room"),
    "facilitator_id": gettext_noop("choose a facilitator"),
}


def _id(fields: dict[str, str], name: str) -> int:
    raw = fields.get(name, "")
    if not raw.isdigit() or len(raw) > 10:
        words = _(_CHOOSE[name]) if name in _CHOOSE else _("choose one: {field} is missing").format(field=name)
        raise ValidationFailed(words, field=name)
    return int(raw)


def _number(fields: dict[str, str], name: str, words: str) -> int:
    raw = fields.get(name, "").strip()
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed(_("{what} must be a whole number").format(what=words), field=name)
    return int(raw)


@post("/e/{slug:str}/organize/phase", name="console_phase", status_code=303, guards=[page_requires_organizer])
async def console_phase(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        if f.get("phase") == event.phase and not f.get("ends_at"):
            raise ValidationFailed(_("pick when the countdown ends"), field="ends_at")
        change = msgspec.convert({"phase": f.get("phase", ""), "ends_at": f.get("ends_at") or None}, PhaseChange)
        fresh = await event_services.change_phase(event, change)
        ends = i18n.format_time(fresh.phase_ends_at, event_tz(fresh)) if fresh.phase_ends_at else ""
        if fresh.phase == event.phase and ends:
            return _("The countdown now ends at {time}.").format(time=ends)
        if ends:
            return _("Moved to {phase} with a countdown to {time}.").format(phase=phase_label(fresh.phase), time=ends)
        return _("Moved to {phase}.").format(phase=phase_label(fresh.phase))

    return await _run(request, slug, "phase", act)


# --- event settings, video, autopilot -----------------------------------------------------------------


@post("/e/{slug:str}/organize/settings", name="console_settings", status_code=303, guards=[page_requires_organizer])
async def console_settings(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Title, date, time zone, language, venue, dots, stacking and late proposals: the API's ``PATCH`` on the event."""

    async def act(event: Event, f: dict[str, str]) -> str:
        dots = _number(f, "dots_per_participant", _("dots per person"))
        check_timezone(f.get("timezone", "").strip())
        data = msgspec.convert(
            {
                "title": f.get("title", ""),
                "venue": f.get("venue", ""),
                "timezone": f.get("timezone", "").strip(),
                "language": f.get("language") or None,
                "start_date": f.get("start_date") or None,
                "end_date": f.get("end_date") or None,
                "settings": {
                    "dots_per_participant": dots,
                    "allow_stacking": f.get("allow_stacking") == "on",
                    "late_proposals": f.get("late_proposals") == "on",
                    "listed": f.get("listed") == "on",
                },
            },
            EventPatch,
        )
        fresh = await event_services.update_event(event, data)
        return _("Saved the settings of {title}.").format(title=fresh.title)

    return await _run(request, slug, "settings", act)


@post("/e/{slug:str}/organize/video", name="console_video", status_code=303, guards=[page_requires_organizer])
async def console_video(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """The video provider and its settings; secret fields left empty keep what is stored."""

    async def act(event: Event, f: dict[str, str]) -> str:
        name = f.get("provider", "")
        cls = VIDEO_PROVIDERS.get(name)
        if cls is None:
            raise ValidationFailed(_("choose a video provider"), field="provider")
        config: dict[str, Any] = {}
        for field in _provider_fields(cls.Config, {}, secret=False):
            raw = f.get(f"{name}.config.{field.name}")
            if field.kind == "checkbox":
                config[field.name] = raw == "on"
            elif raw is None or raw.strip() == "":
                continue
            elif field.kind == "number":
                config[field.name] = _number(f, f"{name}.config.{field.name}", field.label.lower())
            else:
                config[field.name] = raw.strip()
        secrets_in = {
            field.name: f[f"{name}.secrets.{field.name}"]
            for field in _provider_fields(cls.Secrets, {}, secret=True)
            if f.get(f"{name}.secrets.{field.name}")
        }
        main_room = f.get("main_room_id", "")
        data = VideoSettingsIn(
            provider=name,  # type: ignore[arg-type]
            config=config,
            secrets=secrets_in or None,
            main_room_id=_id(f, "main_room_id") if main_room else None,
        )
        out = await video_links.update_settings(event, data)
        provider = next((p.label for p in out.providers if p.name == out.provider), name)
        return _("Saved the video settings: {provider}.").format(provider=provider)

    return await _run(request, slug, "video", act)


@post("/e/{slug:str}/organize/autopilot", name="console_autopilot", status_code=303, guards=[page_requires_organizer])
async def console_autopilot(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """The morning's timeline (the API's autopilot); 'Turn off' clears it."""

    async def act(event: Event, f: dict[str, str]) -> str:
        if f.get("action") == "clear":
            await autopilot.clear_autopilot(event)
            return _("The autopilot is off: every step is yours again.")
        data = msgspec.convert(
            {
                "proposals_until": f.get("proposals_until") or None,
                "voting_until": f.get("voting_until") or None,
                "publish_at": f.get("publish_at") or None,
                "hold_for_review": f.get("hold_for_review") == "on",
            },
            AutopilotSet,
        )
        out = await autopilot.set_autopilot(event, data)
        if out.next_step:
            return _("Saved the timeline. Next: {step}.").format(step=out.next_step)
        return _("Saved the timeline.")

    return await _run(request, slug, "autopilot", act)


# --- people and the join code ---------------------------------------------------------------------


@post("/e/{slug:str}/organize/join-code", name="console_join_code", status_code=303, guards=[page_requires_organizer])
async def console_join_code(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        fresh = await event_services.rotate_join_code(event)
        return _("New join code: {code}. The old one no longer works; the board shows the new one.").format(
            code=fresh.join_code
        )

    return await _run(request, slug, "people", act)


@post(
    "/e/{slug:str}/organize/participants/remove",
    name="console_remove_participants",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_remove_participants(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Everyone ticked, all or none (the API's bulk removal)."""
    event = await event_of(request, slug)
    me = guarded_participant(request)
    form = await request.form()
    raw = [str(v) for v in form.getall("participant_id")] if "participant_id" in form else []
    try:
        if not raw:
            raise ValidationFailed(_("tick the people to remove"), field="participant_ids")
        if any(not v.isdigit() or len(v) > 10 for v in raw):
            raise ValidationFailed(_("a ticked person is not valid"), field="participant_ids")
        out = await event_services.remove_participants(
            event, RemoveParticipants(participant_ids=[int(v) for v in raw]), by=me
        )
        message = ngettext(
            "Removed {n} person: their sign-ins stopped working.",
            "Removed {n} people: their sign-ins stopped working.",
            len(out.removed),
        ).format(n=len(out.removed))
    except DomainError as exc:
        message = "!" + exc.detail[0].upper() + exc.detail[1:] + "."
    return Redirect(path=f"/e/{slug}/organize#people", status_code=303, cookies=[flash_cookie(message)])


# --- rooms and slots: one form saves every row ------------------------------------------------------


def _row_ids(fields: dict[str, str], prefix: str) -> list[int]:
    return sorted({int(k.split(".", 2)[1]) for k in fields if k.startswith(prefix) and k.split(".", 2)[1].isdigit()})


@post("/e/{slug:str}/organize/rooms", name="console_add_room", status_code=303, guards=[page_requires_organizer])
async def console_add_room(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        capacity = _number(f, "capacity", _("seats")) if f.get("capacity") else 30
        data = msgspec.convert(
            {
                "name": f.get("name", ""),
                "capacity": capacity,
                "video_link": f.get("video_link", "").strip(),
                "hosts_breakouts": f.get("hosts_breakouts", "on") == "on",
            },
            RoomCreate,
        )
        room = await room_services.create_room(event, data)
        return _("Added {room}.").format(room=room.name)

    return await _run(request, slug, "rooms", act)


@post("/e/{slug:str}/organize/rooms/save", name="console_save_rooms", status_code=303, guards=[page_requires_organizer])
async def console_save_rooms(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Every row of the rooms table in one submit: all rows are checked before any is saved."""

    async def act(event: Event, f: dict[str, str]) -> str:
        patches: list[tuple[int, RoomPatch]] = []
        names: dict[str, int] = {}
        for number, room_id in enumerate(_row_ids(f, "room."), start=1):
            key = f"room.{room_id}."
            name = f.get(key + "name", "").strip()
            if name.lower() in names:
                raise ValidationFailed(_("two rooms are named {name!r}").format(name=name), field=key + "name")
            names[name.lower()] = room_id
            room_services.clean_link(f.get(key + "video_link", "").strip(), key + "video_link")
            patch = msgspec.convert(
                {
                    "name": name,
                    "capacity": _number(f, key + "capacity", _("the seats of room {number}").format(number=number)),
                    "video_link": f.get(key + "video_link", "").strip(),
                    "hosts_breakouts": f.get(key + "hosts_breakouts") == "on",
                    "video_equipped": f.get(key + "video_equipped") == "on",
                },
                RoomPatch,
            )
            patches.append((room_id, patch))
        if not patches:
            raise ValidationFailed(_("there are no rooms to save"), field="rooms")
        current = {r.id: r.name for r in await room_services.list_rooms(event)}
        unknown = [room_id for room_id, _patch in patches if room_id not in current]
        if unknown:
            raise NotFound(
                _("no room {room_id} in this event; nothing was saved").format(room_id=unknown[0]), field="room_id"
            )
        others = {name.lower() for rid, name in current.items() if rid not in dict(patches)}
        taken = next((name for name in names if name in others), None)
        if taken is not None:
            raise ValidationFailed(
                _("a room named {name!r} exists already; nothing was saved").format(name=taken), field="rooms"
            )
        # Renames that swap names go through a free name first, so no row meets a name still taken.
        clashing = [(rid, p) for rid, p in patches if p.name and p.name != current[rid] and p.name in current.values()]
        for rid, _patch in clashing:
            await room_services.update_room(event, rid, RoomPatch(name=f"{current[rid][:60]} ({rid}…)"))
        for room_id, patch in patches:
            await room_services.update_room(event, room_id, patch)
        return ngettext("Saved {n} room.", "Saved {n} rooms.", len(patches)).format(n=len(patches))

    return await _run(request, slug, "rooms", act)


@post(
    "/e/{slug:str}/organize/rooms/{room_id:int}/delete",
    name="console_delete_room",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_delete_room(request: Request[Any, Any, Any], slug: str, room_id: int) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        await room_services.delete_room(event, room_id)
        return _("Room removed.")

    return await _run(request, slug, "rooms", act)


def _slot_times(event: Event, f: dict[str, str], prefix: str = "") -> tuple[str, str, str, str]:
    line = f"{f.get(prefix + 'starts', '')}-{f.get(prefix + 'ends', '')} {f.get(prefix + 'label', '')}"
    start, end, kind, label = parse_slot_lines(line)[0]
    if f.get(prefix + "kind") in ("breakout", "plenary", "break"):
        kind = f[prefix + "kind"]
    raw_day = f.get(prefix + "day", "")
    try:
        day = date.fromisoformat(raw_day).isoformat() if raw_day else event.start_date.isoformat()
    except ValueError as exc:
        raise ValidationFailed(_("the day must be a date like 2026-11-21"), field=prefix + "day") from exc
    return f"{day}T{start}", f"{day}T{end}", kind, label


@post("/e/{slug:str}/organize/slots", name="console_add_slot", status_code=303, guards=[page_requires_organizer])
async def console_add_slot(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        starts, ends, kind, label = _slot_times(event, f)
        data = msgspec.convert({"starts_at": starts, "ends_at": ends, "kind": kind, "label": label}, SlotCreate)
        slot = await slot_services.create_slot(event, data)
        name = slot.label or i18n.format_time(slot.starts_at, event_tz(event))
        return _("Added the slot {name}.").format(name=name)

    return await _run(request, slug, "slots", act)


@post("/e/{slug:str}/organize/slots/save", name="console_save_slots", status_code=303, guards=[page_requires_organizer])
async def console_save_slots(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Every row of the slots table in one submit; all rows are read and checked before any is saved."""

    async def act(event: Event, f: dict[str, str]) -> str:
        patches: list[tuple[int, SlotPatch]] = []
        for slot_id in _row_ids(f, "slot."):
            starts, ends, kind, label = _slot_times(event, f, prefix=f"slot.{slot_id}.")
            patches.append(
                (
                    slot_id,
                    msgspec.convert({"starts_at": starts, "ends_at": ends, "kind": kind, "label": label}, SlotPatch),
                )
            )
        if not patches:
            raise ValidationFailed(_("there are no slots to save"), field="slots")
        known = {s.id: s for s in await slot_services.list_slots(event)}
        unknown = [slot_id for slot_id, _patch in patches if slot_id not in known]
        if unknown:
            raise NotFound(
                _("no slot {slot_id} in this event; nothing was saved").format(slot_id=unknown[0]), field="slot_id"
            )
        final = {
            s.id: (s.starts_at.strftime("%Y-%m-%dT%H:%M"), s.ends_at.strftime("%Y-%m-%dT%H:%M")) for s in known.values()
        }
        final.update({slot_id: (patch.starts_at or "", patch.ends_at or "") for slot_id, patch in patches})
        ordered = sorted(final.values())
        for (a_start, a_end), (b_start, b_end) in itertools.pairwise(ordered):
            if b_start < a_end:
                raise ValidationFailed(
                    _("the slots {first} and {second} would overlap; nothing was saved").format(
                        first=f"{a_start[-5:]}-{a_end[-5:]}", second=f"{b_start[-5:]}-{b_end[-5:]}"
                    ),
                    field="slots",
                )
        pending = [
            (slot_id, patch)
            for slot_id, patch in patches
            if (known[slot_id].starts_at.strftime("%Y-%m-%dT%H:%M"), known[slot_id].ends_at.strftime("%Y-%m-%dT%H:%M"))
            != (patch.starts_at, patch.ends_at)
            or (known[slot_id].kind, known[slot_id].label) != (patch.kind, patch.label)
        ]
        changed = len(pending)
        # The final times do not overlap, but one row may move into a time another row is leaving:
        # save what fits now, then the rest, until everything is saved.
        while pending:
            waiting: list[tuple[int, SlotPatch]] = []
            last: DomainError | None = None
            for slot_id, patch in pending:
                try:
                    await slot_services.update_slot(event, slot_id, patch)
                except DomainError as exc:
                    if exc.code != "slot_overlap":
                        raise
                    waiting.append((slot_id, patch))
                    last = exc
            if len(waiting) == len(pending) and last is not None:
                raise last
            pending = waiting
        return ngettext(
            "Saved the time slots ({n} slot changed).", "Saved the time slots ({n} slots changed).", changed
        ).format(n=changed)

    return await _run(request, slug, "slots", act)


@post(
    "/e/{slug:str}/organize/slots/{slot_id:int}/delete",
    name="console_delete_slot",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_delete_slot(request: Request[Any, Any, Any], slug: str, slot_id: int) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        await slot_services.delete_slot(event, slot_id)
        return _("Slot removed.")

    return await _run(request, slug, "slots", act)


# --- proposals ------------------------------------------------------------------------------------


@post("/e/{slug:str}/organize/merge", name="console_merge", status_code=303, guards=[page_requires_organizer])
async def console_merge(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        source, target = _id(f, "proposal_id"), _id(f, "into")
        merged = await vote_services.merge_proposals(event, source, MergeRequest(into=target))
        return _("Merged into {title}: its voters and facilitators moved over. Rename it below if needed.").format(
            title=merged.title
        )

    return await _run(request, slug, "proposals", act)


@post(
    "/e/{slug:str}/organize/proposals/{proposal_id:int}",
    name="console_rename_proposal",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_rename_proposal(request: Request[Any, Any, Any], slug: str, proposal_id: int) -> Redirect:
    """Organizers rename any live proposal (after a merge, a clearer title), as the API's PATCH does."""
    me = guarded_participant(request)

    async def act(event: Event, f: dict[str, str]) -> str:
        out = await proposal_services.update_proposal(
            event, proposal_id, me, msgspec.convert({"title": f.get("title", "")}, ProposalPatch)
        )
        return _("Renamed #{proposal_id} to “{title}”.").format(proposal_id=out.id, title=out.title)

    return await _run(request, slug, "proposals", act)


@post(
    "/e/{slug:str}/organize/walk-up",
    name="console_walk_up",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_walk_up(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """A topic from a sticky note or someone at the desk; the person named is asked to facilitate."""
    me = guarded_participant(request)

    async def act(event: Event, f: dict[str, str]) -> str:
        # Nobody named: the organizer holds the topic until someone takes it over.
        ids = [_id(f, "facilitator_id")] if f.get("facilitator_id") else None
        data = msgspec.convert(
            {"title": f.get("title", ""), "description": f.get("description", ""), "facilitator_ids": ids},
            ProposalCreate,
        )
        out = await proposal_services.create_proposal(event, me, data)
        if ids:
            return _("Added “{title}” to the proposals. Its facilitator was asked to confirm.").format(title=out.title)
        return _("Added “{title}” to the proposals.").format(title=out.title)

    return await _run(request, slug, "proposals", act)


# --- the agenda -------------------------------------------------------------------------------------


@post("/e/{slug:str}/organize/build", name="console_build", status_code=303, guards=[page_requires_organizer])
async def console_build(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        out = await agenda_services.build_agenda(event, BuildRequest(time_limit=2.0))
        clashes = (
            ngettext("{n} clash", "{n} clashes", len(out.clashes)).format(n=len(out.clashes))
            if out.clashes
            else _("no clashes")
        )
        placed = ngettext("{n} session placed", "{n} sessions placed", len(out.sessions)).format(n=len(out.sessions))
        return _("Built a draft: {placed}, {clashes}. Pinned sessions stayed put.").format(
            placed=placed, clashes=clashes
        )

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/place", name="console_place", status_code=303, guards=[page_requires_organizer])
async def console_place(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        run = 2 if f.get("run") == "2" else 1
        data = PlacementSet(
            slot_id=_id(f, "slot_id"), room_id=_id(f, "room_id"), pinned=f.get("pinned") == "on", run=run
        )
        proposal_id = _id(f, "proposal_id")
        await agenda_services.place_session(event, proposal_id, data)
        if run == 2:
            return (
                _("Pinned the session's repeat there.")
                if data.pinned
                else _("Moved the session's repeat (not pinned).")
            )
        return _("Pinned the session there.") if data.pinned else _("Moved the session (not pinned).")

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/unschedule", name="console_unschedule", status_code=303, guards=[page_requires_organizer])
async def console_unschedule(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        run = 2 if f.get("run") == "2" else None
        await agenda_services.unschedule_session(event, _id(f, "proposal_id"), run=run)
        return _("Took the session's repeat off the draft.") if run else _("Took the session off the draft.")

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/repeatable", name="console_repeatable", status_code=303, guards=[page_requires_organizer])
async def console_repeatable(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Let a session run twice for a crowd (the next build decides), or stop it."""

    async def act(event: Event, f: dict[str, str]) -> str:
        data = RepeatableSet(proposal_id=_id(f, "proposal_id"), repeatable=f.get("repeatable") == "yes")
        out = await agenda_services.set_repeatable(event, data)
        if out.repeatable:
            return _("The session may run twice when a crowd wants it: build the agenda to see.")
        return _("The session runs once from the next build on.")

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/publish", name="console_publish", status_code=303, guards=[page_requires_organizer])
async def console_publish(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Publishing over a running day moves people mid-morning: it needs an explicit yes."""

    async def act(event: Event, f: dict[str, str]) -> str:
        try:
            out = await agenda_services.publish_agenda(event, confirm_running=f.get("confirm_running") == "yes")
        except agenda_services.DayRunning:
            return "!" + _(
                "Not published: the day is running. Tick 'Yes, publish over the running day' to replace "
                "the agenda people are following."
            )
        return _("Published version {version}. Phones and the board show it now.").format(version=out.version)

    return await _run(request, slug, "agenda", act)


HANDLERS = [
    home,
    join_with_code,
    new_event_form,
    new_event,
    new_edcamp_form,
    new_edcamp_submit,
    console_page,
    console_signin,
    console_phase,
    console_settings,
    console_video,
    console_autopilot,
    console_join_code,
    console_remove_participants,
    console_add_room,
    console_save_rooms,
    console_delete_room,
    console_add_slot,
    console_save_slots,
    console_delete_slot,
    console_merge,
    console_rename_proposal,
    console_walk_up,
    console_build,
    console_place,
    console_unschedule,
    console_repeatable,
    console_publish,
]
