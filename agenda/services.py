"""Building, adjusting and publishing agendas; published versions stay readable. No HTTP here."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import anyio.to_thread
import msgspec

from agenda import optimizer
from agenda.quality import gap_percent, proven_bound, quality_text
from agenda.rooms import get_room, room_out
from agenda.schemas import (
    AgendaOut,
    AgendaVersionOut,
    BuildRequest,
    ClashOut,
    PlacementSet,
    RepeatableOut,
    RepeatableSet,
    SessionOut,
    SlotOut,
)
from agenda.slots import get_slot, slot_out, slot_rows
from agenda.tables import AgendaVersion, Placement, Room, TimeSlot
from agenda.versions import SESSION_VIDEO_LINKS, latest_published
from events.attendance import remote_participants
from events.services import announce_phase, get_event, require_phase
from events.tables import Event
from sessions.services import (
    LIVE_STATUSES,
    facilitating,
    facilitators_by_proposal,
    get_proposal,
    proposed_by,
    stars_changed,
    status_word,
)
from sessions.tables import Proposal, ProposalFacilitator, Star
from unconf import live, metrics, realtime
from unconf.cache import read_cache
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import pgettext
from unconf.ports import Port
from unconf.validation import aware, check_timezone, in_timezone, utcnow
from unconf.validation import aware as _aware
from voting.services import dots_of, tallies, voters_by_proposal, votes_changed
from voting.tables import Vote

BUILD_PHASES = ("voting", "scheduled", "running")

CARRIED_INTEREST: Port[Callable[[int], Awaitable[dict[int, int]]]] = Port("agenda's carried-over interest")
"""Proposal id → how many people wanted a topic carried over from the series' last event, when the
community's organizers let that count (else empty); rhythm answers. Each counts as one more voter."""
_build_locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)


async def _draft(event: Event) -> AgendaVersion | None:
    return (
        await AgendaVersion.objects()
        .where((AgendaVersion.event == event.id) & (AgendaVersion.status == "draft"))
        .first()
    )


async def _placements(agenda_id: int) -> list[Placement]:
    return list(await Placement.objects().where(Placement.agenda == agenda_id).order_by(Placement.run, Placement.id))


def _runs(placements: list[Placement]) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """First runs and repeats, each as proposal id -> (slot id, room id): what the optimizer reads."""
    first = {p.proposal: (p.slot, p.room) for p in placements if p.run == 1}
    again = {p.proposal: (p.slot, p.room) for p in placements if p.run == 2 and p.proposal in first}
    return first, again


async def build_problem(
    event: Event, *, pins: dict[int, tuple[int, int]] | None = None, for_solving: bool = False
) -> optimizer.Problem:
    """Everything the optimizer needs, read from the database: live proposals, voters, slots, rooms.

    ``for_solving`` leaves out rooms that host no breakouts (the main room); a session pinned there by
    hand is left out too, and ``build_agenda`` puts it back where it was pinned. Scoring and clash
    reports of a draft keep every room, since a hand placement may use any.
    """
    proposals = (
        await Proposal.objects()
        .where((Proposal.event == event.id) & (Proposal.status.is_in(list(LIVE_STATUSES))))
        .order_by(Proposal.id)
    )
    voters = await voters_by_proposal(event.id)
    # Carried interest: people who wanted a topic last time stand in as voters nobody else is (negative
    # ids, one set per proposal), so they count toward its interest and room size but clash with no one.
    for pid, count in (await CARRIED_INTEREST.call(event.id)).items():
        voters[pid] = [*voters.get(pid, []), *(-(pid * 1000 + i + 1) for i in range(min(count, 999)))]
    facilitators: dict[int, list[int]] = defaultdict(list)
    for row in await ProposalFacilitator.select(ProposalFacilitator.proposal, ProposalFacilitator.participant).where(
        ProposalFacilitator.proposal.event == event.id
    ):
        facilitators[row["proposal"]].append(row["participant"])
    slots = await slot_rows(event)
    rooms = await Room.objects().where(Room.event == event.id).order_by(Room.position)
    published = await latest_published(event)
    previous: dict[int, tuple[int, int]] = {}
    if published is not None:
        previous = _runs(await _placements(published.id))[0]
    now = utcnow()

    def started(slot: TimeSlot) -> bool:
        return published is not None and aware(slot.starts_at) <= now

    locked = {s.id for s in slots if started(s)}
    draft = await _draft(event) if locked else None
    if draft is not None:
        # What runs in a started slot is what the organizer's draft says (hand fixes included):
        # those sessions stay exactly there; elsewhere the published agenda is the baseline.
        drafted = _runs(await _placements(draft.id))[0]
        for pid in set(previous) | set(drafted):
            was, now_at = previous.get(pid), drafted.get(pid)
            if (was and was[0] in locked) or (now_at and now_at[0] in locked):
                if now_at is None:
                    previous.pop(pid, None)
                else:
                    previous[pid] = now_at
    live_ids = {p.id for p in proposals}
    pins = {pid: place for pid, place in (pins or {}).items() if pid in live_ids}
    # The main room holds plenaries and the main video: breakouts go there only when the organizer
    # marked it as a breakout room too, or pinned a session there by hand.
    if for_solving:
        rooms = [r for r in rooms if r.hosts_breakouts]
    room_ids = {r.id for r in rooms}
    held = {pid for pid, (_, room) in pins.items() if room not in room_ids}
    proposals = [p for p in proposals if p.id not in held]
    pins = {pid: place for pid, place in pins.items() if pid not in held}
    previous = {pid: place for pid, place in previous.items() if pid in live_ids and place[1] in room_ids}

    return optimizer.Problem(
        proposals=tuple(
            optimizer.ProposalInput(
                id=p.id,
                facilitators=tuple(facilitators.get(p.id, ())),
                voters=tuple(voters.get(p.id, ())),
                needs=frozenset(p.needs),
                pinned=pins.get(p.id),
                repeatable=bool(p.repeatable),
            )
            for p in proposals
        ),
        slots=tuple(optimizer.SlotInput(id=s.id, kind=s.kind, locked=s.id in locked, label=s.label) for s in slots),
        rooms=tuple(
            optimizer.RoomInput(
                id=r.id,
                capacity=r.capacity,
                features=frozenset(r.features),
                name=r.name,
                video=bool(r.video_equipped),
            )
            for r in rooms
        ),
        previous=previous,
        weights=optimizer.Weights(interest=10, overflow=1, moved=30 if previous else 0),
        remote=await remote_participants(event.id),
    )


async def build_agenda(event: Event, request: BuildRequest) -> AgendaOut:
    """Solve off the event loop, stream progress, and store the result as the event's one draft."""
    require_phase(event, *BUILD_PHASES, action="build the agenda")
    lock = _build_locks[event.id]
    if lock.locked():
        raise Conflict(_("an agenda is being built for this event right now"), code="build_running")
    async with lock:
        draft = await _draft(event)
        pins: dict[int, tuple[int, int]] = {}
        pinned_repeats: dict[int, tuple[int, int]] = {}
        if draft is not None:
            drafted = await _placements(draft.id)
            pins = {p.proposal: (p.slot, p.room) for p in drafted if p.pinned and p.run == 1}
            pinned_repeats = {p.proposal: (p.slot, p.room) for p in drafted if p.pinned and p.run == 2}
        problem = await build_problem(event, pins=pins, for_solving=True)
        kept_repeats = dict(pinned_repeats)
        locked = {s.id for s in problem.slots if s.locked}
        if locked:
            # A repeat already under way (or over) stays, like every session in a started slot: from the
            # draft if there is one (hand fixes included), else from the published agenda.
            published = await latest_published(event)
            source = draft if draft is not None else published
            for p in await _placements(source.id) if source is not None else []:
                if p.run == 2 and p.slot in locked:
                    kept_repeats[p.proposal] = (p.slot, p.room)
        if not any(s.kind == "breakout" for s in problem.slots) or not problem.rooms:
            raise Conflict(
                _(
                    "add at least one breakout room (the main room hosts none unless marked) and one breakout slot "
                    "before building"
                ),
                code="nothing_to_build",
            )
        loop = asyncio.get_running_loop()

        def progress(p: optimizer.Progress) -> None:
            done = live.ProgressData(fraction=round(p.fraction, 3), best_score=p.best_score)
            asyncio.run_coroutine_threadsafe(realtime.publish(event.slug, live.AgendaProgress(data=done)), loop)

        bounding = asyncio.ensure_future(proven_bound(problem))  # beside the search, in its own thread
        try:
            with metrics.timed_optimizer_run():
                solution = await anyio.to_thread.run_sync(
                    lambda: optimizer.solve(
                        problem, time_limit=request.time_limit, seed=request.seed, on_progress=progress
                    )
                )
        except optimizer.InfeasibleProblem as exc:
            await asyncio.gather(bounding, return_exceptions=True)
            raise Conflict(
                _("the agenda cannot keep every pinned session where it is: {reason}").format(reason=exc),
                code="infeasible",
            ) from exc
        bound = await bounding
        assignment = optimizer.complete_agenda(problem, solution.assignment)
        score, _weights, violations = optimizer.evaluate(problem, assignment)
        if violations:  # the completion must never break a hard rule; fall back to the solver's answer
            assignment, score = dict(solution.assignment), solution.score
        # Repeats are planned on the final first runs (the completion may have filled places), around
        # the repeats an organizer pinned by hand.
        repeats = _plan_repeats(problem, assignment, kept_repeats)
        if repeats:
            score = optimizer.evaluate(problem, assignment, repeats)[0]
        solved_rooms = {r.id for r in problem.rooms}
        # Sessions pinned by hand in a room without breakouts (the main room) stay exactly there.
        assignment.update({pid: place for pid, place in pins.items() if place[1] not in solved_rooms})
        async with write_transaction():
            await AgendaVersion.delete().where((AgendaVersion.event == event.id) & (AgendaVersion.status == "draft"))
            fresh = AgendaVersion(event=event.id, status="draft", score=float(score), bound=bound, created_at=utcnow())
            await fresh.save()
            rows = [
                Placement(agenda=fresh.id, proposal=pid, slot=slot, room=room, pinned=pid in pins)
                for pid, (slot, room) in sorted(assignment.items())
            ]
            rows += [
                Placement(agenda=fresh.id, proposal=pid, slot=slot, room=room, pinned=pid in pinned_repeats, run=2)
                for pid, (slot, room) in sorted(repeats.items())
            ]
            if rows:
                await Placement.insert(*rows)
    out = await agenda_out(event, fresh, problem=problem)
    await _announce_draft(event, out)
    return out


def _plan_repeats(
    problem: optimizer.Problem, assignment: dict[int, tuple[int, int]], pinned: dict[int, tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """Second runs for crowds: the pinned ones that still fit, plus those the optimizer finds worth it.

    A pinned repeat (or one in a started slot) stays while its first run is earlier, its place is free
    and its facilitators are free then; otherwise it is dropped (the organizer sees the draft before
    publishing).
    """
    order = {s.id: i for i, s in enumerate(problem.slots)}
    facilitators = {p.id: set(p.facilitators) for p in problem.proposals}
    kept: dict[int, tuple[int, int]] = {}
    for pid, (slot, room) in sorted(pinned.items()):
        first = assignment.get(pid)
        if first is None or pid not in facilitators or slot not in order or order[slot] <= order[first[0]]:
            continue
        taken = set(assignment.values()) | set(kept.values())
        busy = {
            f
            for other, place in [*assignment.items(), *kept.items()]
            if place[0] == slot
            for f in facilitators.get(other, ())
        }
        if (slot, room) not in taken and not busy & facilitators[pid]:
            kept[pid] = (slot, room)
    repeats = optimizer.plan_repeats(problem, assignment, kept)
    if optimizer.evaluate(problem, assignment, repeats)[2] and repeats != kept:
        repeats = kept  # never let the plan break a hard rule; what the organizer pinned stays
    return repeats


async def _announce_draft(event: Event, out: AgendaOut) -> None:
    drafted = live.DraftData(score=out.score, sessions=len(out.sessions))
    await realtime.publish(event.slug, live.AgendaDrafted(data=drafted))


async def _ensure_draft(event: Event) -> AgendaVersion:
    """Hand edits after publishing start from a copy of what is published."""
    draft = await _draft(event)
    if draft is not None:
        return draft
    published = await latest_published(event)
    if published is None:
        raise NotFound(_("there is no draft agenda yet: build one first"), field="agenda")
    async with write_transaction():
        draft = AgendaVersion(
            event=event.id, status="draft", score=published.score, bound=published.bound, created_at=utcnow()
        )
        await draft.save()
        rows = [
            Placement(agenda=draft.id, proposal=p.proposal, slot=p.slot, room=p.room, pinned=p.pinned, run=p.run)
            for p in await _placements(published.id)
        ]
        if rows:
            await Placement.insert(*rows)
    return draft


async def _rescore(event: Event, draft: AgendaVersion) -> AgendaOut:
    problem = await build_problem(event)
    assignment, repeats = _runs(await _placements(draft.id))
    score, _weights, _violations = optimizer.evaluate(problem, assignment, repeats)
    bound = await proven_bound(problem)  # the votes may have changed since the build
    await AgendaVersion.update({AgendaVersion.score: float(score), AgendaVersion.bound: bound}).where(
        AgendaVersion.id == draft.id
    )
    draft.score, draft.bound = float(score), bound
    out = await agenda_out(event, draft, problem=problem)
    await _announce_draft(event, out)
    return out


async def _facilitator_busy(proposal_id: int, others: list[int]) -> bool:
    if not others:
        return False
    mine = [
        r["participant"]
        for r in await ProposalFacilitator.select(ProposalFacilitator.participant).where(
            ProposalFacilitator.proposal == proposal_id
        )
    ]
    if not mine:
        return False
    return await ProposalFacilitator.exists().where(
        ProposalFacilitator.proposal.is_in(others) & ProposalFacilitator.participant.is_in(mine)
    )


async def place_session(event: Event, proposal_id: int, data: PlacementSet) -> AgendaOut:
    """Move (and by default pin) a session by hand; an occupant of the target place swaps with it.

    ``data.run`` 2 places (or moves) the session's repeat: only a repeatable session repeats, after
    its first run, and never where its facilitators are busy.
    """
    require_phase(event, *BUILD_PHASES, action="change the agenda")
    proposal = await get_proposal(event, proposal_id)
    if proposal.status not in LIVE_STATUSES:
        raise Conflict(
            _("proposal {proposal_id} is {status}").format(
                proposal_id=proposal.id, status=status_word(proposal.status)
            ),
            field="proposal_id",
        )
    if data.run == 2 and not proposal.repeatable:
        raise Conflict(
            _("proposal {proposal_id} is not marked repeatable").format(proposal_id=proposal.id), field="run"
        )
    slot = await get_slot(event, data.slot_id)
    room = await get_room(event, data.room_id)
    if slot.kind != "breakout":
        raise Conflict(
            _("slot {label!r} is a {kind}, not a breakout").format(label=slot.label, kind=slot_kind_word(slot.kind)),
            field="slot_id",
        )
    missing = set(proposal.needs) - set(room.features)
    if missing:
        raise Conflict(
            _("room {name!r} lacks {features}").format(name=room.name, features=", ".join(sorted(missing))),
            field="room_id",
        )
    draft = await _ensure_draft(event)
    order = {s.id: i for i, s in enumerate(await slot_rows(event))}
    async with write_transaction():
        placements = await _placements(draft.id)
        mine = next((p for p in placements if p.proposal == proposal.id and p.run == data.run), None)
        if data.run == 2 and not any(p.proposal == proposal.id and p.run == 1 for p in placements):
            raise Conflict(_("place the session's first run before its repeat"), field="run")
        occupant = next((p for p in placements if p.slot == slot.id and p.room == room.id and p is not mine), None)
        if occupant is not None and occupant.pinned:
            raise Conflict(_("that place holds a pinned session; unpin or move it first"), field="room_id")
        if occupant is not None and occupant.proposal == proposal.id:
            raise Conflict(_("the session's other run is there already"), field="room_id")
        # Where each run would be after the move, to check that every repeat stays after its first run.
        after = {(p.proposal, p.run): p.slot for p in placements if p not in (mine, occupant)}
        after[(proposal.id, data.run)] = slot.id
        if occupant is not None and mine is not None:
            after[(occupant.proposal, occupant.run)] = mine.slot
        for (pid, run), at in after.items():
            first = after.get((pid, 1))
            if run == 2 and first is not None and order.get(at, 0) <= order.get(first, 0):
                field = "run" if pid == proposal.id else "slot_id"
                raise Conflict(_("a repeat must come in a later slot than the session's first run"), field=field)
        in_target = [p.proposal for p in placements if p.slot == slot.id and p not in (mine, occupant)]
        if await _facilitator_busy(proposal.id, in_target):
            raise Conflict(_("a facilitator of this session already runs another one in that slot"), field="slot_id")
        if occupant is not None and mine is not None:
            in_old = [p.proposal for p in placements if p.slot == mine.slot and p not in (mine, occupant)]
            if await _facilitator_busy(occupant.proposal, in_old):
                raise Conflict(
                    _("the session at that place cannot swap: its facilitator is busy in the other slot"),
                    field="slot_id",
                )
        if occupant is not None:
            await Placement.delete().where(Placement.id == occupant.id)
        if mine is None:
            await Placement(
                agenda=draft.id, proposal=proposal.id, slot=slot.id, room=room.id, pinned=data.pinned, run=data.run
            ).save()
        else:
            await Placement.update(
                {Placement.slot: slot.id, Placement.room: room.id, Placement.pinned: data.pinned}
            ).where(Placement.id == mine.id)
            if occupant is not None:
                await Placement(
                    agenda=draft.id,
                    proposal=occupant.proposal,
                    slot=mine.slot,
                    room=mine.room,
                    pinned=False,
                    run=occupant.run,
                ).save()
    return await _rescore(event, draft)


async def unschedule_session(event: Event, proposal_id: int, *, run: int | None = None) -> AgendaOut:
    """Take a session off the draft: ``run`` 2 takes off only its repeat, otherwise every run goes."""
    require_phase(event, *BUILD_PHASES, action="change the agenda")
    proposal = await get_proposal(event, proposal_id)
    draft = await _ensure_draft(event)
    condition = (Placement.agenda == draft.id) & (Placement.proposal == proposal.id)
    if run == 2:
        condition &= Placement.run == 2
    deleted = await Placement.delete().where(condition).returning(Placement.id)
    if not deleted:
        if run == 2:
            detail = _("repeat of proposal {proposal_id} is not on the draft agenda")
        else:
            detail = _("proposal {proposal_id} is not on the draft agenda")
        raise NotFound(detail.format(proposal_id=proposal.id), field="run" if run == 2 else "proposal_id")
    return await _rescore(event, draft)


async def list_repeatable(event: Event) -> list[RepeatableOut]:
    rows = await Proposal.select(Proposal.id).where(
        (Proposal.event == event.id) & (Proposal.repeatable.eq(True)) & Proposal.status.is_in(list(LIVE_STATUSES))
    )
    return [RepeatableOut(proposal_id=r["id"], repeatable=True) for r in sorted(rows, key=lambda r: r["id"])]


async def set_repeatable(event: Event, data: RepeatableSet) -> RepeatableOut:
    """Mark a session repeatable (or not): the next build may give it a second run for a crowd."""
    proposal = await get_proposal(event, data.proposal_id)
    if proposal.status not in LIVE_STATUSES:
        raise Conflict(
            _("proposal {proposal_id} is {status}").format(
                proposal_id=proposal.id, status=status_word(proposal.status)
            ),
            field="proposal_id",
        )
    await Proposal.update({Proposal.repeatable: data.repeatable}).where(Proposal.id == proposal.id)
    return RepeatableOut(proposal_id=proposal.id, repeatable=data.repeatable)


class DayRunning(Conflict):
    """Publishing now would move people who are already in sessions; the organizer must say yes."""

    code = "day_running"


async def day_is_running(event: Event) -> bool:
    """The day is running once the phase says so or a slot of the published agenda has begun."""
    return event.phase == "running" or await started_slots(event) > 0


async def publish_agenda(event: Event, *, confirm_running: bool | None = None) -> AgendaOut:
    """The draft becomes the next numbered version in one transaction; older versions stay.

    Publishing over a running day rewrites the agenda people are following, so it needs an explicit
    yes: ``confirm_running=False`` refuses it (409 ``day_running``) and ``True`` is that yes.
    ``None`` does not ask, as the API did before the check existed, so existing clients keep working.
    """
    require_phase(event, *BUILD_PHASES, action="publish the agenda")
    draft = await _draft(event)
    if draft is None:
        latest = await latest_published(event)
        if latest is not None:
            raise NotFound(
                _(
                    "there is no draft agenda to publish: version {version} is published; "
                    "build a new draft to publish again"
                ).format(version=latest.version),
                field="agenda",
            )
        raise NotFound(_("there is no draft agenda to publish: build one first"), field="agenda")
    if confirm_running is False and await day_is_running(event):
        raise DayRunning(
            _(
                "not published: the day is running, and publishing replaces the agenda people are following; "
                "confirm to publish anyway"
            ),
            field="confirm",
        )
    now = utcnow()
    async with write_transaction():
        # Of simultaneous publishes exactly one wins: each takes the event's row (PostgreSQL; SQLite's
        # write lock already serialises them), then looks at the draft again. Whoever comes second
        # finds it published and is told which version won; video links, live messages and notices
        # follow the winner only.
        await lock_row(Event, event.id)
        current = await AgendaVersion.objects().where(AgendaVersion.id == draft.id).first()
        if current is None or current.status != "draft":
            raise _already_published(current)
        stored = await Event.objects().where(Event.id == event.id).first()
        phase = stored.phase if stored is not None else event.phase
        if phase != event.phase:
            require_phase(stored or event, *BUILD_PHASES, action="publish the agenda")
        placements = await _placements(draft.id)
        rows = await AgendaVersion.select(AgendaVersion.version).where(
            (AgendaVersion.event == event.id) & (AgendaVersion.status == "published")
        )
        next_version = max((r["version"] or 0 for r in rows), default=0) + 1
        await AgendaVersion.update(
            {AgendaVersion.status: "published", AgendaVersion.version: next_version, AgendaVersion.published_at: now}
        ).where(AgendaVersion.id == draft.id)
        placed = [p.proposal for p in placements]
        await Proposal.update({Proposal.status: "proposed", Proposal.updated_at: now}).where(
            (Proposal.event == event.id) & (Proposal.status == "scheduled")
        )
        if placed:
            await Proposal.update({Proposal.status: "scheduled", Proposal.updated_at: now}).where(
                Proposal.id.is_in(placed) & (Proposal.status == "proposed")
            )
        if phase == "voting":
            await Event.update({Event.phase: "scheduled", Event.phase_ends_at: None, Event.updated_at: now}).where(
                Event.id == event.id
            )
    # Every placed session gets its video link from the rooms domain, which reacts to "agenda.published".
    published = await AgendaVersion.objects().where(AgendaVersion.id == draft.id).first()
    assert published is not None
    out = await agenda_out(event, published)
    await realtime.publish(event.slug, live.AgendaPublished(data=live.VersionData(version=next_version)))
    if phase == "voting":
        await announce_phase(await get_event(event.slug))
    return out


_SLOT_KINDS: dict[str, Callable[[], str]] = {
    "breakout": lambda: pgettext("slot kind", "breakout"),
    "plenary": lambda: pgettext("slot kind", "plenary"),
    "break": lambda: pgettext("slot kind", "break"),
}


def slot_kind_word(kind: str) -> str:
    """A slot's kind as people read it, in the current language."""
    word = _SLOT_KINDS.get(kind)
    return word() if word is not None else kind


class AlreadyPublished(Conflict):
    """Another publish of the same draft won; ``version`` names the version it made."""

    code = "already_published"

    def __init__(self, detail: str, *, version: int | None) -> None:
        super().__init__(detail, field="agenda")
        self.version = version

    def extra(self) -> dict[str, Any]:
        return {"version": self.version}


def _already_published(draft: AgendaVersion | None) -> AlreadyPublished:
    if draft is not None and draft.status == "published":
        return AlreadyPublished(
            _(
                "this draft was just published as version {version} by another request; nothing more was published"
            ).format(version=draft.version),
            version=draft.version,
        )
    return AlreadyPublished(
        _("the draft was replaced while publishing; look at the agenda again before publishing"), version=None
    )


async def read_agenda(event: Event, *, version: int | None = None) -> AgendaOut:
    if version is None:
        agenda = await latest_published(event)
        if agenda is None:
            raise NotFound(_("the agenda is not published yet"), field="agenda")
    else:
        if not 0 < version <= 2**31 - 1:
            raise NotFound(_("no published agenda version {version}").format(version=version), field="version")
        agenda = (
            await AgendaVersion.objects()
            .where(
                (AgendaVersion.event == event.id)
                & (AgendaVersion.status == "published")
                & (AgendaVersion.version == version)
            )
            .first()
        )
        if agenda is None:
            raise NotFound(_("no published agenda version {version}").format(version=version), field="version")
    return await agenda_out(event, agenda)


async def cached_agenda(event: Event, *, version: int | None = None) -> AgendaOut:
    """``read_agenda`` through the read cache: the API and the pages share these entries, and every
    ``realtime.publish`` for the event drops them."""
    key = "agenda" if version is None else f"agenda:{version}"
    return await read_cache.through(event.slug, key, lambda: read_agenda(event, version=version))


async def read_published(event: Event, agenda_id: int | None = None) -> AgendaOut | None:
    """A published agenda by its row id (default: the day's, through the read cache); None if there is none."""
    if agenda_id is None:
        try:
            return await cached_agenda(event)
        except NotFound:
            return None
    row = (
        await AgendaVersion.objects()
        .where(
            (AgendaVersion.id == agenda_id) & (AgendaVersion.event == event.id) & (AgendaVersion.status == "published")
        )
        .first()
    )
    return await agenda_out(event, row) if row is not None else None


async def read_draft(event: Event) -> AgendaOut:
    draft = await _draft(event)
    if draft is None:
        raise NotFound(_("there is no draft agenda yet: build one first"), field="agenda")
    return await agenda_out(event, draft, problem=await build_problem(event))


async def list_versions(event: Event) -> list[AgendaVersionOut]:
    versions = (
        await AgendaVersion.objects()
        .where((AgendaVersion.event == event.id) & (AgendaVersion.status == "published"))
        .order_by(AgendaVersion.version)
    )
    counts: dict[int, int] = defaultdict(int)
    for row in await Placement.select(Placement.agenda).where(Placement.agenda.is_in([v.id for v in versions] or [0])):
        counts[row["agenda"]] += 1
    return [
        AgendaVersionOut(
            version=v.version or 0, published_at=aware(v.published_at), sessions=counts[v.id], score=v.score
        )
        for v in versions
    ]


async def agenda_out(event: Event, agenda: AgendaVersion, *, problem: optimizer.Problem | None = None) -> AgendaOut:
    tz = check_timezone(event.timezone)
    slots = {s.id: s for s in await slot_rows(event)}
    rooms = {r.id: r for r in await Room.objects().where(Room.event == event.id).order_by(Room.position)}
    placements = await _placements(agenda.id)
    titles = {
        r["id"]: r["title"]
        for r in await Proposal.select(Proposal.id, Proposal.title).where(Proposal.event == event.id)
    }
    facs = await facilitators_by_proposal(event.id)
    counts = await tallies(event.id)
    video_links = await SESSION_VIDEO_LINKS.call(event.id)
    runs: dict[int, int] = defaultdict(int)
    for p in placements:
        if p.slot in slots and p.room in rooms:
            runs[p.proposal] += 1
    sessions = []
    for p in placements:
        slot, room = slots.get(p.slot), rooms.get(p.room)
        if slot is None or room is None:
            continue
        sessions.append(
            SessionOut(
                proposal_id=p.proposal,
                title=titles.get(p.proposal, ""),
                facilitators=facs.get(p.proposal, []),
                slot_id=slot.id,
                room_id=room.id,
                starts_at=in_timezone(slot.starts_at, tz),
                ends_at=in_timezone(slot.ends_at, tz),
                room_name=room.name,
                video_link=video_links.get(p.proposal, room.video_link),
                votes=counts.get(p.proposal, (0, 0))[0],
                voters=counts.get(p.proposal, (0, 0))[1],
                pinned=p.pinned,
                run=p.run,
                runs=runs[p.proposal],
            )
        )
    sessions.sort(key=lambda s: (s.starts_at, rooms[s.room_id].position, s.room_id, s.run))
    unscheduled: list[int] = []
    clashes: list[ClashOut] = []
    if problem is not None:
        placed = {p.proposal for p in placements}
        unscheduled = [p.id for p in problem.proposals if p.id not in placed]
        assignment = _runs(placements)[0]  # a clash with one run still leaves the other: first runs only
        for clash in optimizer.clash_report(problem, assignment)[:50]:
            slot = slots.get(clash.slot_id)
            when = in_timezone(slot.starts_at, tz).strftime("%H:%M") if slot else "?"
            a, b = titles.get(clash.proposal_a, "?"), titles.get(clash.proposal_b, "?")
            people = "1 person" if clash.people == 1 else f"{clash.people} people"
            clashes.append(
                ClashOut(
                    slot_id=clash.slot_id,
                    proposal_ids=(clash.proposal_a, clash.proposal_b),
                    people=clash.people,
                    text=f"{people} wanted both {a!r} and {b!r} at {when}",
                )
            )
    return AgendaOut(
        status="published" if agenda.status == "published" else "draft",
        version=agenda.version,
        created_at=aware(agenda.created_at) or utcnow(),
        published_at=aware(agenda.published_at),
        score=agenda.score,
        slots=[slot_out(s, tz) for s in slots.values()],
        rooms=[room_out(r) for r in rooms.values()],
        sessions=sessions,
        unscheduled=unscheduled,
        clashes=clashes,
        bound=agenda.bound,
        gap_percent=gap_percent(agenda.score, agenda.bound),
        quality=quality_text(agenda.score, agenda.bound),
    )


class MySlot(msgspec.Struct, kw_only=True):
    """One time slot of a person's agenda: the sessions they care about then, and the one to go to."""

    slot: SlotOut
    sessions: list[SessionOut]
    pick: int | None
    reasons: dict[int, str] = msgspec.field(default_factory=dict)


class MySessions(msgspec.Struct, kw_only=True):
    """A person's own sessions: what they proposed, facilitate, put dots on or starred.

    The one definition behind "my agenda" (pages, the published-agenda email) and the personal calendar.
    """

    proposed: set[int]
    facilitating: set[int]
    dots: dict[int, int]
    starred: set[int]
    changed_at: datetime | None
    """When their dots or stars last changed (taking back counts); None if they never voted or starred."""

    @property
    def ids(self) -> set[int]:
        return self.proposed | self.facilitating | set(self.dots) | self.starred

    def reason(self, proposal_id: int) -> str:
        if proposal_id in self.facilitating:
            return _("you facilitate it")
        if proposal_id in self.dots:
            return _("your dots: {dots}").format(dots=self.dots[proposal_id])
        if proposal_id in self.proposed:
            return _("you proposed it")
        return _("you starred it")


async def my_sessions(participant_id: int) -> MySessions:
    dots = await dots_of(participant_id)
    _votes, vote_times = await votes_changed(participant_id)
    starred, star_times = await stars_changed(participant_id)
    times = [t for t in (_aware(at) for at in [*vote_times, *star_times]) if t is not None]
    return MySessions(
        proposed=await proposed_by(participant_id),
        facilitating=await facilitating(participant_id),
        dots=dots,
        starred=starred,
        changed_at=max(times, default=None),
    )


async def everyones_sessions(event: Event) -> dict[int, MySessions]:
    """``my_sessions`` of every person of the event, from four statements: the read model behind each
    person's agenda and calendar, so a crowd opening them after a publish costs no query per person."""
    dots: dict[int, dict[int, int]] = defaultdict(dict)
    times: dict[int, list[datetime]] = defaultdict(list)
    starred: dict[int, set[int]] = defaultdict(set)
    proposed: dict[int, set[int]] = defaultdict(set)
    facilitating_ids: dict[int, set[int]] = defaultdict(set)
    for row in await Vote.select(Vote.participant, Vote.proposal, Vote.dots, Vote.updated_at).where(
        Vote.event == event.id
    ):
        if row["dots"] > 0:
            dots[row["participant"]][row["proposal"]] = row["dots"]
        times[row["participant"]].append(row["updated_at"])
    for row in await Star.select(Star.participant, Star.proposal, Star.starred, Star.updated_at).where(
        Star.event == event.id
    ):
        if row["starred"]:
            starred[row["participant"]].add(row["proposal"])
        times[row["participant"]].append(row["updated_at"])
    for row in await Proposal.select(Proposal.id, Proposal.created_by).where(Proposal.event == event.id):
        if row["created_by"] is not None:
            proposed[row["created_by"]].add(row["id"])
    for row in await ProposalFacilitator.select(ProposalFacilitator.participant, ProposalFacilitator.proposal).where(
        ProposalFacilitator.proposal.event == event.id
    ):
        facilitating_ids[row["participant"]].add(row["proposal"])
    everyone = set(dots) | set(times) | set(starred) | set(proposed) | set(facilitating_ids)
    return {
        pid: MySessions(
            proposed=proposed.get(pid, set()),
            facilitating=facilitating_ids.get(pid, set()),
            dots=dots.get(pid, {}),
            starred=starred.get(pid, set()),
            changed_at=max((t for t in (_aware(at) for at in times.get(pid, [])) if t is not None), default=None),
        )
        for pid in everyone
    }


async def cached_my_sessions(event: Event, participant_id: int) -> MySessions:
    """One person's ``my_sessions`` from the event's read model (``everyones_sessions``), kept in the read
    cache: dots, proposals and facilitators change through ``realtime.publish`` / ``forget_votes``
    and stars through ``realtime.forget``, all of which drop it."""
    everyone = await read_cache.through(event.slug, "mine", lambda: everyones_sessions(event))
    found = everyone.get(participant_id)
    if found is None:
        return MySessions(proposed=set(), facilitating=set(), dots={}, starred=set(), changed_at=None)
    return found


async def my_agenda(event: Event, participant_id: int) -> list[MySlot]:
    """The published sessions that are someone's own (``my_sessions``), per slot; where two share a slot, pick one.

    The pick goes to a session they facilitate (they have to be there), then to one they have not
    picked already (a session that repeats runs twice: they go once), then to the one with more of
    their dots, then to one they proposed or starred, then to the more popular one.
    """
    try:
        out = await cached_agenda(event)
    except NotFound:
        return []
    mine = await cached_my_sessions(event, participant_id)
    ids = mine.ids
    by_slot: dict[int, list[SessionOut]] = defaultdict(list)
    for s in out.sessions:
        if s.proposal_id in ids:
            by_slot[s.slot_id].append(s)
    result: list[MySlot] = []
    picked: set[int] = set()
    for slot in out.slots:
        sessions = by_slot.get(slot.id, [])
        if not sessions:
            continue
        ranked = sorted(
            sessions,
            key=lambda s: (
                s.proposal_id not in mine.facilitating,
                s.proposal_id in picked,
                -mine.dots.get(s.proposal_id, 0),
                s.proposal_id not in mine.proposed,
                s.proposal_id not in mine.starred,
                -s.votes,
            ),
        )
        reasons = {s.proposal_id: mine.reason(s.proposal_id) for s in sessions}
        picked.add(ranked[0].proposal_id)
        result.append(MySlot(slot=slot, sessions=ranked, pick=ranked[0].proposal_id, reasons=reasons))
    return result


async def started_slots(event: Event) -> int:
    """How many slots of the published agenda have begun: publishing over them rewrites a running day."""
    if await latest_published(event) is None:
        return 0
    now = utcnow()
    starts = [aware(s.starts_at) for s in await slot_rows(event)]
    return sum(1 for start in starts if start is not None and start <= now)
