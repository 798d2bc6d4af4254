"""The organizer console: set up an Edcamp in one form, then run the day from one page.

Every button is a plain form post handled here, checked by the same ``authenticate`` as the API,
and done by the same services; the answer is a redirect back with a one-line message.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.response import Redirect, Template

from agenda import rooms as room_services
from agenda import services as agenda_services
from agenda import slots as slot_services
from agenda.schemas import AgendaOut, BuildRequest, PlacementSet, RoomCreate, RoomPatch, SlotCreate, SlotPatch
from events import services as event_services
from events.dependencies import event_of
from events.schemas import EventCreate, PhaseChange
from events.services import links
from events.tables import Event, Participant
from rooms.edcamp import create_event_with_day
from sessions import services as proposal_services
from sessions.schemas import MergeRequest
from unconf import ratelimit
from unconf.auth import client_address, is_organizer, token_cookie
from unconf.errors import DomainError, NotFound, ValidationFailed
from unconf.validation import check_timezone
from voting import services as vote_services
from web.common import (
    PHASE_LABELS,
    clear_flash,
    flash_cookie,
    form_fields,
    join_qr,
    page_requires_organizer,
    participant_for_key,
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
            raise ValidationFailed(f"slot line {number} ({line[:40]!r}) is not like 09:30-10:15", field="slots")
        h1, m1, h2, m2, label = int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5].strip()[:80]
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationFailed(f"slot line {number} has a time that does not exist", field="slots")
        start, end = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        if end <= start:
            raise ValidationFailed(f"slot line {number} ends before it starts", field="slots")
        lowered = label.lower()
        kind = "breakout"
        if lowered.startswith(_BREAK_WORDS):
            kind = "break"
        elif lowered.startswith(_PLENARY_WORDS):
            kind = "plenary"
        out.append((start, end, kind, label))
    if not out:
        raise ValidationFailed("add at least one time slot, like 09:30-10:15", field="slots")
    ordered = sorted(out)
    for a, b in itertools.pairwise(ordered):
        if b[0] < a[1]:
            raise ValidationFailed(f"the slots {a[0]}-{a[1]} and {b[0]}-{b[1]} overlap", field="slots")
    return ordered


def _page(template: str, context: dict[str, Any], status: int = 200, cookies: list[Any] | None = None) -> Template:
    all_cookies = list(cookies or [])
    if context.get("flash"):
        all_cookies.append(clear_flash())
    return Template(template_name=template, context=context, status_code=status, cookies=all_cookies)


# --- creating an event ---------------------------------------------------------------------------


def _new_context(values: dict[str, str], error: str = "", field: str = "") -> dict[str, Any]:
    return {"values": values, "error": error, "error_field": field, "timezones": COMMON_TIMEZONES}


@get("/new", name="new_event_form")
async def new_event_form() -> Template:
    values = {
        "title": "",
        "organizer_name": "",
        "start_date": date.today().isoformat(),
        "timezone": "UTC",
        "rooms": "4",
        "slots": DEFAULT_SLOTS,
        "dots": "5",
        "open_now": "on",
    }
    return Template(template_name="new_event.html", context=_new_context(values))


@post("/new", name="new_event", status_code=200)
async def new_event(request: Request[Any, Any, Any]) -> Template:
    """Event, rooms and slots from one form; the organizer is signed in on this browser straight away."""
    await ratelimit.check("create_event", address=client_address(request))
    fields = await form_fields(request)
    keys = ("title", "organizer_name", "start_date", "timezone", "rooms", "slots", "dots", "open_now")
    values = {k: fields.get(k, "").strip() if k != "slots" else fields.get(k, "") for k in keys}
    try:
        rooms = int(values["rooms"]) if values["rooms"].isdigit() and len(values["rooms"]) < 4 else -1
        if not 1 <= rooms <= 50:
            raise ValidationFailed("number of rooms must be between 1 and 50", field="rooms")
        dots = int(values["dots"]) if values["dots"].isdigit() and len(values["dots"]) < 4 else -1
        if not 1 <= dots <= 100:
            raise ValidationFailed("dots per person must be between 1 and 100", field="dots")
        check_timezone(values["timezone"])
        slot_lines = parse_slot_lines(values["slots"])
        try:
            data = msgspec.convert(
                {
                    "title": values["title"],
                    "organizer_name": values["organizer_name"],
                    "start_date": values["start_date"],
                    "timezone": values["timezone"],
                    "settings": {"dots_per_participant": dots},
                },
                EventCreate,
            )
        except msgspec.ValidationError as exc:
            message = str(exc)
            field = next((f for f in ("title", "organizer_name", "start_date") if f"$.{f}" in message), "")
            words = {"title": "the event name", "organizer_name": "your name", "start_date": "the date"}
            raise ValidationFailed(f"please check {words.get(field, 'the form')}: {message}", field=field) from exc
        day = data.start_date.isoformat()
        slots = [
            SlotCreate(starts_at=f"{day}T{start}", ends_at=f"{day}T{end}", kind=kind, label=label)  # type: ignore[arg-type]
            for start, end, kind, label in slot_lines
        ]
        event, organizer, key = await create_event_with_day(
            data, rooms=rooms, slots=slots, open_now=bool(values["open_now"])
        )
    except DomainError as exc:
        return Template(
            template_name="new_event.html",
            context=_new_context(values, exc.detail, exc.field or ""),
            status_code=400,
        )
    join_link, board_url = links(event.slug, event.join_code)
    context = {
        "event": event,
        "organizer": organizer,
        "key": key,
        "join_link": join_link,
        "board_url": board_url,
        "qr": join_qr(join_link),
    }
    return Template(template_name="created.html", context=context, cookies=[token_cookie(event.slug, key)])


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
    return {
        "event": event,
        "me": me,
        "phase_label": PHASE_LABELS.get(event.phase, event.phase),
        "phase_labels": PHASE_LABELS,
        "next_phases": event_services.allowed_next_phases(event.phase),
        "rooms": rooms,
        "slots": slots,
        "breakout_slots": [s for s in slots if s.kind == "breakout"],
        "proposals": sorted(proposals, key=lambda p: (-p.votes, p.id)),
        "twins": _twins(proposals),
        "draft": draft,
        "published": published,
        "shown": shown,
        "cells": {(s.slot_id, s.room_id): s for s in shown.sessions} if shown else {},
        "titles": titles,
        "running_warning": running,
        "started": started,
        "join_link": join_link,
        "board_url": board_url,
        "participants": len(await event_services.list_participants(event)),
        "flash": flash.lstrip("!"),
        "flash_error": flash.startswith("!"),
        "can_build": event.phase in agenda_services.BUILD_PHASES,
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
            "phase_label": PHASE_LABELS.get(event.phase, event.phase),
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
            cookies=[flash_cookie("!That is not an organizer key for this event. Check it and paste it again.")],
        )
    return Redirect(
        path=f"/e/{slug}/organize",
        status_code=303,
        cookies=[token_cookie(slug, key), flash_cookie(f"Signed in as {who.display_name}.")],
    )


Action = Callable[[Event, dict[str, str]], Awaitable[str]]


async def _run(request: Request[Any, Any, Any], slug: str, anchor: str, action: Action) -> Redirect:
    """Do one thing for the organizer the route's guard let in, go back to the console with what happened."""
    event = await event_of(request, slug)
    fields = await form_fields(request)
    try:
        message = await action(event, fields)
    except DomainError as exc:
        message = "!" + exc.detail[0].upper() + exc.detail[1:] + "."
    except msgspec.ValidationError as exc:
        message = f"!Please check the form: {exc}."
    return Redirect(path=f"/e/{slug}/organize#{anchor}", status_code=303, cookies=[flash_cookie(message)])


def _id(fields: dict[str, str], name: str) -> int:
    raw = fields.get(name, "")
    if not raw.isdigit() or len(raw) > 10:
        raise ValidationFailed(f"choose a {name.removesuffix('_id').replace('_', ' ')}", field=name)
    return int(raw)


@post("/e/{slug:str}/organize/phase", name="console_phase", status_code=303, guards=[page_requires_organizer])
async def console_phase(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        change = msgspec.convert({"phase": f.get("phase", ""), "ends_at": f.get("ends_at") or None}, PhaseChange)
        fresh = await event_services.change_phase(event, change)
        until = " with a countdown" if fresh.phase_ends_at else ""
        return f"Moved to {PHASE_LABELS.get(fresh.phase, fresh.phase)}{until}."

    return await _run(request, slug, "phase", act)


@post("/e/{slug:str}/organize/rooms", name="console_add_room", status_code=303, guards=[page_requires_organizer])
async def console_add_room(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        capacity = _id(f, "capacity") if f.get("capacity") else 30
        data = msgspec.convert(
            {"name": f.get("name", ""), "capacity": capacity, "video_link": f.get("video_link", "").strip()},
            RoomCreate,
        )
        room = await room_services.create_room(event, data)
        return f"Added {room.name}."

    return await _run(request, slug, "rooms", act)


@post(
    "/e/{slug:str}/organize/rooms/{room_id:int}",
    name="console_edit_room",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_edit_room(request: Request[Any, Any, Any], slug: str, room_id: int) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        data = msgspec.convert(
            {
                "name": f.get("name", ""),
                "capacity": _id(f, "capacity"),
                "video_link": f.get("video_link", "").strip(),
            },
            RoomPatch,
        )
        room = await room_services.update_room(event, room_id, data)
        return f"Saved {room.name}."

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
        return "Room removed."

    return await _run(request, slug, "rooms", act)


def _slot_times(event: Event, f: dict[str, str]) -> tuple[str, str, str, str]:
    line = f"{f.get('starts', '')}-{f.get('ends', '')} {f.get('label', '')}"
    start, end, kind, label = parse_slot_lines(line)[0]
    if f.get("kind") in ("breakout", "plenary", "break"):
        kind = f["kind"]
    raw_day = f.get("day", "")
    try:
        day = date.fromisoformat(raw_day).isoformat() if raw_day else event.start_date.isoformat()
    except ValueError as exc:
        raise ValidationFailed("the day must be a date like 2026-11-21", field="day") from exc
    return f"{day}T{start}", f"{day}T{end}", kind, label


@post("/e/{slug:str}/organize/slots", name="console_add_slot", status_code=303, guards=[page_requires_organizer])
async def console_add_slot(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        starts, ends, kind, label = _slot_times(event, f)
        data = msgspec.convert({"starts_at": starts, "ends_at": ends, "kind": kind, "label": label}, SlotCreate)
        slot = await slot_services.create_slot(event, data)
        return f"Added the slot {slot.label}."

    return await _run(request, slug, "slots", act)


@post(
    "/e/{slug:str}/organize/slots/{slot_id:int}",
    name="console_edit_slot",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_edit_slot(request: Request[Any, Any, Any], slug: str, slot_id: int) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        starts, ends, kind, label = _slot_times(event, f)
        data = msgspec.convert({"starts_at": starts, "ends_at": ends, "kind": kind, "label": label}, SlotPatch)
        slot = await slot_services.update_slot(event, slot_id, data)
        return f"Saved the slot {slot.label}."

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
        return "Slot removed."

    return await _run(request, slug, "slots", act)


@post("/e/{slug:str}/organize/merge", name="console_merge", status_code=303, guards=[page_requires_organizer])
async def console_merge(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        source, target = _id(f, "proposal_id"), _id(f, "into")
        merged = await vote_services.merge_proposals(event, source, MergeRequest(into=target))
        return f"Merged into {merged.title}: its voters and facilitators moved over."

    return await _run(request, slug, "proposals", act)


@post("/e/{slug:str}/organize/build", name="console_build", status_code=303, guards=[page_requires_organizer])
async def console_build(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        out = await agenda_services.build_agenda(event, BuildRequest(time_limit=2.0))
        clashes = f"{len(out.clashes)} clash(es)" if out.clashes else "no clashes"
        return f"Built a draft: {len(out.sessions)} sessions placed, {clashes}. Pinned sessions stayed put."

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/place", name="console_place", status_code=303, guards=[page_requires_organizer])
async def console_place(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        data = PlacementSet(slot_id=_id(f, "slot_id"), room_id=_id(f, "room_id"), pinned=f.get("pinned") == "on")
        proposal_id = _id(f, "proposal_id")
        await agenda_services.place_session(event, proposal_id, data)
        return "Pinned the session there." if data.pinned else "Moved the session (not pinned)."

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/unschedule", name="console_unschedule", status_code=303, guards=[page_requires_organizer])
async def console_unschedule(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def act(event: Event, f: dict[str, str]) -> str:
        await agenda_services.unschedule_session(event, _id(f, "proposal_id"))
        return "Took the session off the draft."

    return await _run(request, slug, "agenda", act)


@post("/e/{slug:str}/organize/publish", name="console_publish", status_code=303, guards=[page_requires_organizer])
async def console_publish(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Publishing over a running day moves people mid-morning: it needs an explicit yes."""

    async def act(event: Event, f: dict[str, str]) -> str:
        try:
            out = await agenda_services.publish_agenda(event, confirm_running=f.get("confirm_running") == "yes")
        except agenda_services.DayRunning:
            return (
                "!Not published: the day is running. Tick 'Yes, publish over the running day' to replace "
                "the agenda people are following."
            )
        return f"Published version {out.version}. Phones and the board show it now."

    return await _run(request, slug, "agenda", act)


HANDLERS = [
    new_event_form,
    new_event,
    console_page,
    console_signin,
    console_phase,
    console_add_room,
    console_edit_room,
    console_delete_room,
    console_add_slot,
    console_edit_slot,
    console_delete_slot,
    console_merge,
    console_build,
    console_place,
    console_unschedule,
    console_publish,
]
