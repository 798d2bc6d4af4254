"""Creating events, moving their phases, letting people join. No HTTP here."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar, cast

import msgspec

from events.schemas import (
    PHASES,
    EventCreate,
    EventOut,
    EventPatch,
    EventSettings,
    Joined,
    JoinRequest,
    Language,
    ParticipantOut,
    ParticipantPrivate,
    ParticipantsRemoved,
    Phase,
    PhaseChange,
    RemoveParticipants,
)
from events.tables import Event, Participant
from events.tiers import FREE, TIERS, check_participant_limit
from unconf import i18n, live, metrics, realtime
from unconf.auth import Role, is_organizer
from unconf.database import lock_row, serialise_writers, write_transaction
from unconf.errors import Conflict, Forbidden, NotFound, PhaseConflict, ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import pgettext
from unconf.ports import Port
from unconf.settings import get_settings
from unconf.tokens import hash_token, new_join_code, new_token
from unconf.validation import (
    SLUG_PATTERN,
    check_slug,
    check_timezone,
    clean_email,
    clean_text,
    in_timezone,
    parse_datetime,
    slugify,
    utcnow,
)

T = TypeVar("T")
DEFAULT_TIER = FREE.name

HAS_PUBLISHED_AGENDA: Port[Callable[[int], Awaitable[bool]]] = Port("events' published-agenda check")
"""Whether an event id has a published agenda (the day cannot be scheduled or run without one); agenda answers."""

SLOT_STARTS: Port[Callable[[int], Awaitable[list[datetime]]]] = Port("events' time slot starts")
"""When each time slot of an event id starts (UTC); agenda, which owns the slots, answers it."""

PERSONAL_ACCESS: Port[Callable[[int], Awaitable[None]]] = Port("events' end of a person's other access")
"""Drop every credential of a participant id that works without their token (calendar feeds); exports answers."""


def event_out(event: Event, *, with_join_code: bool = False) -> EventOut:
    return EventOut(
        slug=event.slug,
        title=event.title,
        description=event.description,
        timezone=event.timezone,
        start_date=event.start_date,
        end_date=event.end_date,
        venue=event.venue,
        language=cast(Language, event.language),
        tier=cast(Any, event.tier),
        phase=cast(Phase, event.phase),
        phase_ends_at=in_timezone(event.phase_ends_at, check_timezone(event.timezone)),
        settings=EventSettings(
            dots_per_participant=event.dots_per_participant,
            allow_stacking=event.allow_stacking,
            late_proposals=event.late_proposals,
            listed=event.listed,
        ),
        join_code=event.join_code if with_join_code else None,
    )


def participant_public(p: Participant) -> ParticipantOut:
    return ParticipantOut(id=p.id, display_name=p.display_name, role=cast(Any, p.role))


def participant_private(p: Participant) -> ParticipantPrivate:
    return ParticipantPrivate(id=p.id, display_name=p.display_name, role=cast(Any, p.role), email=p.email)


async def get_event_even_suspended(slug: str) -> Event:
    """The event, suspended or not: only the instance operator's tools look events up this way."""
    if not SLUG_PATTERN.match(slug):
        # Cannot exist (and a NUL byte would upset PostgreSQL): answer without asking the database.
        raise NotFound(_("no event {slug!r}").format(slug=slug[:64]), field="slug")
    event = await Event.objects().where(Event.slug == slug).first()
    if event is None:
        raise NotFound(_("no event {slug!r}").format(slug=slug), field="slug")
    return event


async def get_event(slug: str) -> Event:
    """The event; a suspended one is a 403 ``event_suspended`` on every page, API route and live socket."""
    event = await get_event_even_suspended(slug)
    if event.suspended_at is not None:
        raise Forbidden(
            _("the event {slug!r} is suspended by the instance operator").format(slug=slug),
            field="slug",
            code="event_suspended",
        )
    i18n.apply_event_default(event.language)  # a request about this event: its language, unless one was chosen
    return event


EVENT_SLUGS = "event slugs"  # the writers that pick an event's slug and join code take turns (serialise_writers)


async def _unique_slug(base: str) -> str:
    slug = base
    while await Event.exists().where(Event.slug == slug):
        slug = f"{base[:56]}-{secrets.token_hex(3)}"
    return slug


async def _unique_join_code() -> str:
    while True:
        code = new_join_code()
        if not await Event.exists().where(Event.join_code == code):
            return code


async def create_event(data: EventCreate) -> tuple[Event, Participant, str]:
    """Make the event and its first organizer; the organizer key is returned once, never stored.

    Every event starts on the default tier: a tier is the instance operator's to set (``set_tier``).
    """
    if data.tier != DEFAULT_TIER:
        raise Forbidden(
            _(
                "an event starts on the {default!r} tier; the tier is set by the instance operator, "
                "not by the event's creator: create the event, then ask the operator for the {tier!r} tier"
            ).format(default=DEFAULT_TIER, tier=data.tier),
            field="tier",
            code="tier_set_by_operator",
        )
    title = clean_text(data.title, "title", max_length=200)
    description = clean_text(data.description, "description", max_length=5000, multiline=True, required=False)
    venue = clean_text(data.venue, "venue", max_length=200, required=False)
    name = clean_text(data.organizer_name, "organizer_name", max_length=80)
    check_timezone(data.timezone)
    end = data.end_date or data.start_date
    if end < data.start_date:
        raise ValidationFailed(_("end_date is before start_date"), field="end_date")
    key = new_token()
    now = utcnow()
    async with write_transaction():
        await serialise_writers(EVENT_SLUGS)  # two "Edcamp X" at once: one gets edcamp-x, never a 500
        if data.slug is not None:
            slug = check_slug(data.slug)
            if await Event.exists().where(Event.slug == slug):
                raise Conflict(
                    _("an event with slug {slug!r} exists already").format(slug=slug), field="slug", code="slug_taken"
                )
        else:
            slug = await _unique_slug(slugify(title))
        event = Event(
            slug=slug,
            title=title,
            description=description,
            timezone=data.timezone,
            start_date=data.start_date,
            end_date=end,
            venue=venue,
            language=data.language,
            tier=data.tier,
            phase="draft",
            dots_per_participant=data.settings.dots_per_participant,
            allow_stacking=data.settings.allow_stacking,
            late_proposals=data.settings.late_proposals,
            listed=data.settings.listed,
            join_code=await _unique_join_code(),
            created_at=now,
            updated_at=now,
        )
        await event.save()
        organizer = Participant(
            event=event.id,
            display_name=name,
            email=clean_email(data.organizer_email, "organizer_email"),
            role=Role.ORGANIZER,
            token_hash=hash_token(key),
            created_at=now,
            language=i18n.current_locale(),
        )
        await organizer.save()
    return event, organizer, key


async def create_event_with(
    data: EventCreate, setup: Callable[[Event], Awaitable[T]]
) -> tuple[Event, Participant, str, T]:
    """Create the event, then let ``setup`` add what it needs (rooms, slots, a phase).

    If ``setup`` fails, the event is deleted with everything it cascades to, so no half-made event
    stays behind whichever page, route or command started it.
    """
    event, organizer, key = await create_event(data)
    try:
        made = await setup(event)
    except BaseException:
        await Event.delete().where(Event.id == event.id)
        raise
    return event, organizer, key, made


async def set_tier(slug: str, tier: str) -> Event:
    """The instance operator's change of an event's tier (the operator API and ``unconf tier``)."""
    if tier not in TIERS:
        raise ValidationFailed(
            _("unknown tier {tier!r}; tiers: {tiers}").format(tier=tier, tiers=", ".join(TIERS)), field="tier"
        )
    event = await get_event_even_suspended(slug)
    await Event.update({Event.tier: tier, Event.updated_at: utcnow()}).where(Event.id == event.id)
    fresh = await get_event_even_suspended(event.slug)
    changed = msgspec.convert(event_out(fresh), live.EventData, from_attributes=True)
    await realtime.publish(fresh.slug, live.EventUpdated(data=changed))
    return fresh


async def update_event(event: Event, data: EventPatch) -> Event:
    changes: dict[Any, Any] = {}
    if data.title is not None:
        changes[Event.title] = clean_text(data.title, "title", max_length=200)
    if data.description is not None:
        changes[Event.description] = clean_text(
            data.description, "description", max_length=5000, multiline=True, required=False
        )
    if data.venue is not None:
        changes[Event.venue] = clean_text(data.venue, "venue", max_length=200, required=False)
    if data.timezone is not None:
        check_timezone(data.timezone)
        changes[Event.timezone] = data.timezone
    if data.language is not None:
        changes[Event.language] = data.language
    start = data.start_date or event.start_date
    end = data.end_date or (event.end_date if data.start_date is None else max(event.end_date, start))
    if end < start:
        raise ValidationFailed(_("end_date is before start_date"), field="end_date")
    changes[Event.start_date] = start
    changes[Event.end_date] = end
    moves_dates = (start, end) != (event.start_date, event.end_date)
    if data.settings is not None:
        s = data.settings
        if s.dots_per_participant is not None:
            changes[Event.dots_per_participant] = s.dots_per_participant
        if s.allow_stacking is not None:
            changes[Event.allow_stacking] = s.allow_stacking
        if s.late_proposals is not None:
            changes[Event.late_proposals] = s.late_proposals
        if s.listed is not None:
            changes[Event.listed] = s.listed
    changes[Event.updated_at] = utcnow()
    async with write_transaction():
        if moves_dates:
            await lock_row(Event, event.id)
            await _check_slots_within(event, start, end, data.timezone or event.timezone)
        await Event.update(changes).where(Event.id == event.id)
    fresh = await get_event(event.slug)
    changed = msgspec.convert(event_out(fresh), live.EventData, from_attributes=True)
    await realtime.publish(fresh.slug, live.EventUpdated(data=changed))
    return fresh


async def _check_slots_within(event: Event, start: date, end: date, timezone: str) -> None:
    """New dates must still hold every time slot (a slot's day is its start on the event's clock)."""
    tz = check_timezone(timezone)
    days = sorted({in_timezone(starts, tz).date() for starts in await SLOT_STARTS.call(event.id)})
    before = [day for day in days if day < start]
    after = [day for day in days if day > end]
    if before or after:
        field, outside = ("start_date", before) if before else ("end_date", after)
        listed = ", ".join(str(day) for day in outside[:5])
        raise Conflict(
            _(
                "time slots fall on {days}, outside the new dates ({start} to {end}); move or remove those slots first"
            ).format(days=listed, start=start, end=end),
            field=field,
            code="slots_outside_dates",
        )


def allowed_next_phases(current: str) -> list[str]:
    i = PHASES.index(cast(Phase, current))
    return [p for p in (PHASES[i + 1] if i + 1 < len(PHASES) else None, PHASES[i - 1] if i else None) if p]


async def change_phase(event: Event, change: PhaseChange) -> Event:
    """Move one step forward, or one back to undo a mistake; the agenda must exist before 'scheduled'."""
    if change.phase == event.phase:
        # Same phase with a new deadline: extend or shorten the countdown ("five more minutes").
        if change.ends_at is None:
            raise PhaseConflict(
                _("the event is already in phase {phase!r}").format(phase=phase_word(event.phase)), phase=event.phase
            )
        ends = parse_datetime(change.ends_at, check_timezone(event.timezone), "ends_at")
        await Event.update({Event.phase_ends_at: ends, Event.updated_at: utcnow()}).where(Event.id == event.id)
        fresh = await get_event(event.slug)
        await announce_phase(fresh)
        return fresh
    allowed = allowed_next_phases(event.phase)
    if change.phase not in allowed:
        raise PhaseConflict(
            _("cannot move from {phase!r} to {wanted!r}; allowed: {allowed}").format(
                phase=phase_word(event.phase),
                wanted=phase_word(change.phase),
                allowed=", ".join(phase_word(p) for p in allowed),
            ),
            phase=event.phase,
        )
    if change.phase in ("scheduled", "running") and not await HAS_PUBLISHED_AGENDA.call(event.id):
        raise PhaseConflict(
            _("publish an agenda before moving to {wanted!r}").format(wanted=phase_word(change.phase)),
            phase=event.phase,
        )
    ends_at = None
    if change.ends_at is not None:
        ends_at = parse_datetime(change.ends_at, check_timezone(event.timezone), "ends_at")
    await Event.update({Event.phase: change.phase, Event.phase_ends_at: ends_at, Event.updated_at: utcnow()}).where(
        Event.id == event.id
    )
    fresh = await get_event(event.slug)
    await announce_phase(fresh)
    return fresh


async def announce_phase(event: Event) -> None:
    """The one way live pages hear of a phase: organizers, publishing and the autopilot all call it (fresh row)."""
    phase = live.PhaseData(
        phase=event.phase, phase_ends_at=in_timezone(event.phase_ends_at, check_timezone(event.timezone))
    )
    await realtime.publish(event.slug, live.PhaseChanged(data=phase))


_PHASE_WORDS: dict[str, Callable[[], str]] = {
    "draft": lambda: pgettext("event phase", "draft"),
    "proposals": lambda: pgettext("event phase", "proposals"),
    "voting": lambda: pgettext("event phase", "voting"),
    "scheduled": lambda: pgettext("event phase", "scheduled"),
    "running": lambda: pgettext("event phase", "running"),
    "closed": lambda: pgettext("event phase", "closed"),
}


def phase_word(phase: str) -> str:
    """A phase as people read it in the current language (the API's value itself in English)."""
    word = _PHASE_WORDS.get(phase)
    return word() if word is not None else phase


# What a phase may refuse, as the refusal names it ("cannot vote while ..."): the domains above call
# ``require_phase`` with one of these keys (the English words), shown in the request's language.
PHASE_ACTIONS: dict[str, Callable[[], str]] = {
    "join": lambda: pgettext("cannot ... now", "join"),
    "vote": lambda: pgettext("cannot ... now", "vote"),
    "merge proposals": lambda: pgettext("cannot ... now", "merge proposals"),
    "add a proposal": lambda: pgettext("cannot ... now", "add a proposal"),
    "propose a session": lambda: pgettext("cannot ... now", "propose a session"),
    "edit proposals": lambda: pgettext("cannot ... now", "edit proposals"),
    "edit a proposal": lambda: pgettext("cannot ... now", "edit a proposal"),
    "answer an invitation to facilitate": lambda: pgettext("cannot ... now", "answer an invitation to facilitate"),
    "offer help with a session": lambda: pgettext("cannot ... now", "offer help with a session"),
    "add time slots": lambda: pgettext("cannot ... now", "add time slots"),
    "change time slots": lambda: pgettext("cannot ... now", "change time slots"),
    "remove time slots": lambda: pgettext("cannot ... now", "remove time slots"),
    "add rooms": lambda: pgettext("cannot ... now", "add rooms"),
    "change rooms": lambda: pgettext("cannot ... now", "change rooms"),
    "remove rooms": lambda: pgettext("cannot ... now", "remove rooms"),
    "build the agenda": lambda: pgettext("cannot ... now", "build the agenda"),
    "change the agenda": lambda: pgettext("cannot ... now", "change the agenda"),
    "publish the agenda": lambda: pgettext("cannot ... now", "publish the agenda"),
    "check in": lambda: pgettext("cannot ... now", "check in"),
    "re-balance the day": lambda: pgettext("cannot ... now", "re-balance the day"),
}


def require_phase(event: Event, *phases: str, action: str) -> None:
    """Refuse (409 ``wrong_phase``) outside ``phases``; ``action`` is a key of ``PHASE_ACTIONS``."""
    if event.phase not in phases:
        words = PHASE_ACTIONS.get(action)
        raise PhaseConflict(
            _("cannot {action} while the event is in phase {phase!r} (possible in: {phases})").format(
                action=words() if words is not None else action,
                phase=phase_word(event.phase),
                phases=", ".join(phase_word(p) for p in phases),
            ),
            phase=event.phase,
        )


async def join_event(event: Event, data: JoinRequest) -> Joined:
    if not secrets.compare_digest(data.join_code.strip().upper().encode(), event.join_code.encode()):
        raise Forbidden(_("the join code is not right for this event"), field="join_code", code="bad_join_code")
    require_phase(event, "proposals", "voting", "scheduled", "running", action="join")
    name = clean_text(data.display_name, "display_name", max_length=80)
    token = new_token()
    participant = Participant(
        event=event.id,
        display_name=name,
        email=clean_email(data.email, "email"),
        role=Role.ATTENDEE,
        token_hash=hash_token(token),
        created_at=utcnow(),
        language=i18n.current_locale(),  # their mail and calendars are written in it
    )
    async with write_transaction():
        await check_participant_limit(event)  # the tier's limit, checked and taken in one transaction
        await participant.save()
    metrics.JOINS.inc()
    joined = msgspec.convert(participant_public(participant), live.PersonData, from_attributes=True)
    await realtime.publish(event.slug, live.ParticipantJoined(data=joined))
    return Joined(participant=participant_private(participant), token=token)


async def remember_language(tokens: list[str], language: str) -> None:
    """The people these tokens belong to chose ``language`` (the switcher): their mail and calendars follow."""
    hashes = [hash_token(t) for t in tokens if t and len(t) <= 200][:20]
    if hashes and i18n.supported(language):
        await Participant.update({Participant.language: i18n.supported(language)}).where(
            Participant.token_hash.is_in(hashes)
        )
        # The cached rows behind these tokens (and feed secrets) still hold the old language: drop them on
        # every worker, so calendars read the new one from the cached row instead of asking each time.
        rows = await Participant.select(Participant.event.slug).where(Participant.token_hash.is_in(hashes))
        for slug in {row["event.slug"] for row in rows}:
            await realtime.forget_access(slug)


async def list_participants(event: Event) -> list[ParticipantPrivate]:
    rows = await Participant.objects().where(Participant.event == event.id).order_by(Participant.id)
    return [participant_private(p) for p in rows]


async def remove_participants(event: Event, data: RemoveParticipants, *, by: Participant) -> ParticipantsRemoved:
    """Take people out of the event, all or none: their tokens stop working at once, and their dots,
    facilitations, stars, feeds and invitations go with them (the tables cascade). Proposals they
    wrote stay, without an author. Organizers are not removed here, and nobody removes themself.
    """
    ids = sorted(set(data.participant_ids))
    if by.id in ids:
        raise Conflict(_("you cannot remove yourself"), field="participant_ids", code="cannot_remove_self")
    async with write_transaction():
        rows = await Participant.select(Participant.id, Participant.role).where(
            (Participant.event == event.id) & Participant.id.is_in(ids)
        )
        found = {row["id"]: row["role"] for row in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(str(i) for i in missing[:10])
            raise NotFound(
                _("no participant with id {ids} in this event; nobody was removed").format(ids=shown),
                field="participant_ids",
            )
        organizers = [i for i in ids if found[i] == Role.ORGANIZER]
        if organizers:
            raise Conflict(
                _(
                    "participant {participant_id} is an organizer; organizers are not removed here; nobody was removed"
                ).format(participant_id=organizers[0]),
                field="participant_ids",
                code="cannot_remove_organizer",
            )
        await Participant.delete().where((Participant.event == event.id) & Participant.id.is_in(ids))
    await realtime.forget_access(event.slug)
    await realtime.publish(event.slug, live.ParticipantsRemoved(data=live.RemovedPeople(ids=ids)))
    return ParticipantsRemoved(removed=ids)


async def rotate_join_code(event: Event) -> Event:
    """A new join code; the old one stops working at once (boards and the join QR show the new one)."""
    async with write_transaction():
        code = await _unique_join_code()
        await Event.update({Event.join_code: code, Event.updated_at: utcnow()}).where(Event.id == event.id)
    fresh = await get_event(event.slug)
    changed = msgspec.convert(event_out(fresh), live.EventData, from_attributes=True)
    await realtime.publish(fresh.slug, live.EventUpdated(data=changed))
    return fresh


def links(slug: str, join_code: str) -> tuple[str, str]:
    """The public join link (with its code) and the board's URL."""
    base = get_settings().public_url
    return f"{base}/e/{slug}/join?code={join_code}", f"{base}/e/{slug}/board"


async def end_access(participant: Participant) -> None:
    """Sign this person out everywhere, in one transaction: their token stops working on every device
    (its hash is replaced by a fresh one nobody holds) and every feed URL of theirs stops answering.

    Revoking someone with sign-out and signing out on the pages both end access here. Their cookie is
    the caller's to clear. An organizer's key is the event's only way in, so it is never ended here.
    """
    if is_organizer(participant):
        raise Forbidden(
            _("an organizer's key cannot be signed out: it is the event's only way in"), field="participant"
        )
    async with write_transaction():
        await Participant.update({Participant.token_hash: hash_token(new_token())}).where(
            Participant.id == participant.id
        )
        await PERSONAL_ACCESS.call(participant.id)
    slug = await Event.select(Event.slug).where(Event.id == participant.event).first()
    if slug is not None:
        await realtime.forget_access(slug["slug"])


async def listed_upcoming(today: date, limit: int = 20) -> list[Event]:
    """Events whose organizers chose to be listed on the start page, from today on, open to joining."""
    return (
        await Event.objects()
        .where(
            (Event.listed == True)  # noqa: E712 (a Piccolo query, not a Python comparison)
            & (Event.end_date >= today)
            & Event.phase.is_in(["proposals", "voting", "scheduled", "running"])
        )
        .order_by(Event.start_date)
        .order_by(Event.title)
        .limit(limit)
    )


async def event_for_join_code(code: str) -> Event:
    """The event a join code belongs to (the start page's 'join with a code')."""
    clean = code.strip().upper()
    event = await Event.objects().where(Event.join_code == clean[:16]).first() if clean else None
    if event is None or not secrets.compare_digest(event.join_code.encode(), clean.encode()):
        raise NotFound(_("no event has that join code: check it on the board"), field="join_code")
    return event
