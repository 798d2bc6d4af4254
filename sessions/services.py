"""Proposals: propose, edit, withdraw, merge twins. No HTTP here."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any, cast

import msgspec

from events.services import require_phase
from events.tables import Event, Participant
from sessions.schemas import FacilitatorOut, InvitationOut, InvitationStatus, ProposalCreate, ProposalOut, ProposalPatch
from sessions.tables import FacilitatorInvite, Proposal, ProposalFacilitator, Star
from unconf import live, realtime
from unconf.auth import is_organizer
from unconf.cache import read_cache
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, Forbidden, NotFound, ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import pgettext
from unconf.ports import Port
from unconf.validation import aware, check_id, clean_tags, clean_text, utcnow

LIVE_STATUSES = ("proposed", "scheduled")

_STATUS_WORDS: dict[str, Callable[[], str]] = {
    "proposed": lambda: pgettext("proposal status", "proposed"),
    "withdrawn": lambda: pgettext("proposal status", "withdrawn"),
    "merged": lambda: pgettext("proposal status", "merged"),
    "scheduled": lambda: pgettext("proposal status", "scheduled"),
}


def status_word(status: str) -> str:
    """A proposal's status as people read it, in the current language ("withdrawn", "retirada")."""
    word = _STATUS_WORDS.get(status)
    return word() if word is not None else status


TALLIES: Port[Callable[[int], Awaitable[dict[int, tuple[int, int]]]]] = Port("sessions' dot tallies")
"""Proposal id → (dots, voters) for an event id; voting, which alone reads votes, answers it."""


async def get_proposal(event: Event, proposal_id: int) -> Proposal:
    check_id(proposal_id, "proposal_id")
    proposal = await Proposal.objects().where((Proposal.id == proposal_id) & (Proposal.event == event.id)).first()
    if proposal is None:
        raise NotFound(
            _("no proposal {proposal_id} in this event").format(proposal_id=proposal_id), field="proposal_id"
        )
    return proposal


async def facilitators_by_proposal(event_id: int) -> dict[int, list[FacilitatorOut]]:
    rows = (
        await ProposalFacilitator.select(
            ProposalFacilitator.proposal,
            ProposalFacilitator.participant.id.as_alias("pid"),
            ProposalFacilitator.participant.display_name.as_alias("name"),
        )
        .where(ProposalFacilitator.proposal.event == event_id)
        .order_by(ProposalFacilitator.id)
    )
    out: dict[int, list[FacilitatorOut]] = defaultdict(list)
    for row in rows:
        out[row["proposal"]].append(FacilitatorOut(id=row["pid"], display_name=row["name"]))
    return out


def proposal_out(p: Proposal, facilitators: list[FacilitatorOut], tally: tuple[int, int] = (0, 0)) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        title=p.title,
        description=p.description,
        tags=list(p.tags),
        needs=list(p.needs),
        status=cast(Any, p.status),
        facilitators=facilitators,
        votes=tally[0],
        voters=tally[1],
        merged_into=p.merged_into,
        created_at=aware(p.created_at),
        learning=bool(p.learning),
    )


async def list_proposals(event: Event, *, include_inactive: bool = True) -> list[ProposalOut]:
    query = Proposal.objects().where(Proposal.event == event.id).order_by(Proposal.id)
    proposals = await query
    facs = await facilitators_by_proposal(event.id)
    counts = await TALLIES.call(event.id)
    out = [proposal_out(p, facs.get(p.id, []), counts.get(p.id, (0, 0))) for p in proposals]
    return out if include_inactive else live_only(out)


async def cached_proposals(event: Event) -> list[ProposalOut]:
    """Every proposal (``list_proposals``) through the read cache: the API and the pages share the entry,
    and every ``realtime.publish`` for the event drops it. Callers must not change what it returns."""
    return await read_cache.through(event.slug, "proposals", lambda: list_proposals(event))


def live_only(proposals: list[ProposalOut]) -> list[ProposalOut]:
    """The proposals still in play (not withdrawn or merged), as ``include_inactive=False`` gives them."""
    return [p for p in proposals if p.status in LIVE_STATUSES]


def proposal_data(out: ProposalOut) -> live.ProposalData:
    """A proposal as the live messages carry it (the same keys as the API's)."""
    return msgspec.convert(out, live.ProposalData, from_attributes=True)


async def read_proposal(event: Event, proposal_id: int) -> ProposalOut:
    p = await get_proposal(event, proposal_id)
    facs = await facilitators_by_proposal(event.id)
    counts = await TALLIES.call(event.id)
    return proposal_out(p, facs.get(p.id, []), counts.get(p.id, (0, 0)))


async def _check_facilitators(event: Event, ids: list[int]) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValidationFailed(_("name at least one facilitator"), field="facilitator_ids")
    found = await Participant.select(Participant.id).where(
        (Participant.event == event.id) & (Participant.id.is_in(unique))
    )
    known = {row["id"] for row in found}
    missing = [i for i in unique if i not in known]
    if missing:
        raise ValidationFailed(
            _("facilitator_ids {ids} are not participants of this event").format(ids=missing), field="facilitator_ids"
        )
    return unique


async def is_facilitator(proposal_id: int, participant_id: int) -> bool:
    return await ProposalFacilitator.exists().where(
        (ProposalFacilitator.proposal == proposal_id) & (ProposalFacilitator.participant == participant_id)
    )


ORGANIZER_PHASES = ("draft", "proposals", "voting", "scheduled", "running")
"""Organizers may add and edit proposals until the event closes (a session added on the day)."""


def proposing_phases(event: Event, who: Participant) -> tuple[str, ...]:
    """When this person may propose: attendees while proposals are open (and during voting if late
    proposals are allowed), organizers until the event closes."""
    if is_organizer(who):
        return ORGANIZER_PHASES
    return ("proposals", "voting") if event.late_proposals else ("proposals",)


def editing_phases(who: Participant) -> tuple[str, ...]:
    """When this person may edit or withdraw proposals (their own, unless they organize)."""
    return ORGANIZER_PHASES if is_organizer(who) else ("proposals", "voting")


def can_propose(event: Event, who: Participant | None) -> bool:
    """Whether ``create_proposal`` would let this person propose now (pages show the form only then)."""
    return who is not None and event.phase in proposing_phases(event, who)


def can_edit(event: Event, who: Participant | None) -> bool:
    """Whether this person may edit proposals they may change (``require_editor``) in the current phase."""
    return who is not None and event.phase in editing_phases(who)


async def create_proposal(event: Event, author: Participant, data: ProposalCreate) -> ProposalOut:
    organizer = is_organizer(author)
    action = "add a proposal" if organizer else "propose a session"
    require_phase(event, *proposing_phases(event, author), action=action)
    title = clean_text(data.title, "title", max_length=120)
    description = clean_text(data.description, "description", max_length=2000, multiline=True, required=False)
    tags = clean_tags(data.tags)
    needs = clean_tags(data.needs, "needs")
    invited: list[int] = []
    if data.facilitator_ids is None:
        facilitator_ids = [author.id]
    else:
        named = await _check_facilitators(event, data.facilitator_ids)
        if not organizer and author.id not in named:
            named.insert(0, author.id)
        # Only the author facilitates at once; everyone else they named is asked first.
        facilitator_ids = [pid for pid in named if pid == author.id]
        invited = [pid for pid in named if pid != author.id]
    now = utcnow()
    async with write_transaction():
        proposal = Proposal(
            event=event.id,
            title=title,
            description=description,
            tags=tags,
            needs=needs,
            status="proposed",
            created_by=author.id,
            created_at=now,
            updated_at=now,
            learning=data.learning,
        )
        await proposal.save()
        if facilitator_ids:
            await ProposalFacilitator.insert(
                *[ProposalFacilitator(proposal=proposal.id, participant=pid) for pid in facilitator_ids]
            )
        await _invite(proposal.id, invited, author, keep=invited)
    out = await read_proposal(event, proposal.id)
    await realtime.publish(event.slug, live.ProposalCreated(data=proposal_data(out)))
    return out


async def require_editor(event: Event, proposal: Proposal, who: Participant) -> None:
    """Organizers edit any proposal until the day closes; facilitators their own while proposing and voting."""
    if is_organizer(who):
        require_phase(event, *editing_phases(who), action="edit proposals")
        return
    if not await is_facilitator(proposal.id, who.id):
        raise Forbidden(_("only the proposal's facilitators or an organizer may change it"), code="not_facilitator")
    require_phase(event, *editing_phases(who), action="edit a proposal")


async def proposal_for_editing(event: Event, proposal_id: int, who: Participant) -> ProposalOut:
    """The proposal, if this person may change it now (the edit form asks before showing itself)."""
    await require_editor(event, await get_proposal(event, proposal_id), who)
    return await read_proposal(event, proposal_id)


async def update_proposal(event: Event, proposal_id: int, who: Participant, data: ProposalPatch) -> ProposalOut:
    proposal = await get_proposal(event, proposal_id)
    await require_editor(event, proposal, who)
    if proposal.status in ("withdrawn", "merged"):
        raise Conflict(
            _("proposal {proposal_id} is {status} and can no longer change").format(
                proposal_id=proposal.id, status=status_word(proposal.status)
            ),
            field="status",
        )
    changes: dict[Any, Any] = {Proposal.updated_at: utcnow()}
    if data.title is not None:
        changes[Proposal.title] = clean_text(data.title, "title", max_length=120)
    if data.description is not None:
        changes[Proposal.description] = clean_text(
            data.description, "description", max_length=2000, multiline=True, required=False
        )
    if data.tags is not None:
        changes[Proposal.tags] = clean_tags(data.tags)
    if data.needs is not None:
        changes[Proposal.needs] = clean_tags(data.needs, "needs")
    if data.learning is not None:
        changes[Proposal.learning] = data.learning
    facilitator_ids: list[int] | None = None
    invited: list[int] = []
    if data.facilitator_ids is not None:
        named = await _check_facilitators(event, data.facilitator_ids)
        current = await facilitator_ids_of(proposal.id)
        # Those who facilitate already stay, and the editor may name themself; anyone else is asked first.
        facilitator_ids = [pid for pid in named if pid in current or pid == who.id]
        invited = [pid for pid in named if pid not in facilitator_ids]
    async with write_transaction():
        await Proposal.update(changes).where(Proposal.id == proposal.id)
        if facilitator_ids is not None:
            await ProposalFacilitator.delete().where(ProposalFacilitator.proposal == proposal.id)
            if facilitator_ids:
                await ProposalFacilitator.insert(
                    *[ProposalFacilitator(proposal=proposal.id, participant=pid) for pid in facilitator_ids]
                )
            await _invite(proposal.id, invited, who, keep=invited)
    out = await read_proposal(event, proposal.id)
    await realtime.publish(event.slug, live.ProposalUpdated(data=proposal_data(out)))
    return out


async def facilitator_ids_of(proposal_id: int) -> set[int]:
    rows = await ProposalFacilitator.select(ProposalFacilitator.participant).where(
        ProposalFacilitator.proposal == proposal_id
    )
    return {row["participant"] for row in rows}


async def _invite(proposal_id: int, invited: list[int], by: Participant, *, keep: list[int]) -> None:
    """Ask each of ``invited`` to facilitate (inside the caller's transaction); pending invitations
    of people no longer named (not in ``keep``) are withdrawn. Naming someone again asks again."""
    stale = (FacilitatorInvite.proposal == proposal_id) & (FacilitatorInvite.status == "pending")
    await FacilitatorInvite.delete().where(stale & FacilitatorInvite.participant.not_in(keep) if keep else stale)
    now = utcnow()
    for pid in invited:
        asked: dict[Any, Any] = {
            FacilitatorInvite.status: "pending",
            FacilitatorInvite.invited_by: by.id,
            FacilitatorInvite.created_at: now,
            FacilitatorInvite.answered_at: None,
        }
        exists = await FacilitatorInvite.exists().where(
            (FacilitatorInvite.proposal == proposal_id) & (FacilitatorInvite.participant == pid)
        )
        if exists:
            await FacilitatorInvite.update(asked).where(
                (FacilitatorInvite.proposal == proposal_id) & (FacilitatorInvite.participant == pid)
            )
        else:
            await FacilitatorInvite(
                proposal=proposal_id, participant=pid, invited_by=by.id, status="pending", created_at=now
            ).save()


async def my_invitations(event: Event, who: Participant) -> list[InvitationOut]:
    """The invitations to facilitate this person has not answered yet, oldest first."""
    rows = (
        await FacilitatorInvite.select(
            FacilitatorInvite.proposal,
            FacilitatorInvite.proposal.title.as_alias("title"),
            FacilitatorInvite.status,
            FacilitatorInvite.invited_by.id.as_alias("by_id"),
            FacilitatorInvite.invited_by.display_name.as_alias("by_name"),
        )
        .where(
            (FacilitatorInvite.participant == who.id)
            & (FacilitatorInvite.status == "pending")
            & (FacilitatorInvite.proposal.event == event.id)
            & (FacilitatorInvite.proposal.status.is_in(list(LIVE_STATUSES)))
        )
        .order_by(FacilitatorInvite.id)
    )
    return [
        InvitationOut(
            proposal_id=row["proposal"],
            title=row["title"],
            status=row["status"],
            invited_by=FacilitatorOut(id=row["by_id"], display_name=row["by_name"]) if row["by_id"] else None,
        )
        for row in rows
    ]


async def answer_invitation(event: Event, proposal_id: int, who: Participant, *, accept: bool) -> InvitationOut:
    """Accept (and facilitate, as if named from the start) or decline an invitation to facilitate."""
    proposal = await get_proposal(event, proposal_id)
    require_phase(event, *ORGANIZER_PHASES, action="answer an invitation to facilitate")
    if accept and proposal.status not in LIVE_STATUSES:
        raise Conflict(
            _("proposal {proposal_id} is {status}; there is nothing to facilitate").format(
                proposal_id=proposal.id, status=status_word(proposal.status)
            ),
            field="status",
        )
    mine = (FacilitatorInvite.proposal == proposal.id) & (FacilitatorInvite.participant == who.id)
    async with write_transaction():
        await lock_row(Proposal, proposal.id)
        pending = await FacilitatorInvite.exists().where(mine & (FacilitatorInvite.status == "pending"))
        if not pending:
            raise NotFound(
                _("you have no open invitation to facilitate proposal {proposal_id}").format(proposal_id=proposal.id),
                field="proposal_id",
            )
        status: InvitationStatus = "accepted" if accept else "declined"
        await FacilitatorInvite.update(
            {FacilitatorInvite.status: status, FacilitatorInvite.answered_at: utcnow()}
        ).where(mine)
        if accept:
            if not await is_facilitator(proposal.id, who.id):
                await ProposalFacilitator.insert(ProposalFacilitator(proposal=proposal.id, participant=who.id))
            await Proposal.update({Proposal.updated_at: utcnow()}).where(Proposal.id == proposal.id)
    if accept:
        out = await read_proposal(event, proposal.id)
        await realtime.publish(event.slug, live.ProposalUpdated(data=proposal_data(out)))
    else:
        await realtime.forget(event.slug)  # the decliner's pages list open invitations
    row = (
        await FacilitatorInvite.select(
            FacilitatorInvite.invited_by.id.as_alias("by_id"),
            FacilitatorInvite.invited_by.display_name.as_alias("by_name"),
        )
        .where(mine)
        .first()
    )
    by = FacilitatorOut(id=row["by_id"], display_name=row["by_name"]) if row and row["by_id"] else None
    return InvitationOut(proposal_id=proposal.id, title=proposal.title, status=status, invited_by=by)


async def withdraw_proposal(event: Event, proposal_id: int, who: Participant) -> ProposalOut:
    """Withdrawn proposals keep their votes on record, but those dots go back to the voters."""
    proposal = await get_proposal(event, proposal_id)
    await require_editor(event, proposal, who)
    if proposal.status in ("withdrawn", "merged"):
        raise Conflict(
            _("proposal {proposal_id} is already {status}").format(
                proposal_id=proposal.id, status=status_word(proposal.status)
            ),
            field="status",
        )
    await Proposal.update({Proposal.status: "withdrawn", Proposal.updated_at: utcnow()}).where(
        Proposal.id == proposal.id
    )
    out = await read_proposal(event, proposal.id)
    await realtime.publish(event.slug, live.ProposalWithdrawn(data=proposal_data(out)))
    return out


def _title_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2}


def title_similarity(a: str, b: str) -> float:
    """0..1: how much two titles look like the same topic (word overlap, or near-identical spelling)."""
    wa, wb = _title_words(a), _title_words(b)
    overlap = len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0
    spelling = SequenceMatcher(None, a.lower().strip(), b.lower().strip()).ratio()
    return max(overlap * 0.9, spelling)


async def similar_proposals(
    event: Event, title: str, *, limit: int = 5, exclude_id: int | None = None, threshold: float = 0.55
) -> list[ProposalOut]:
    """Live proposals whose titles look like this one, best first, so people join a topic instead of twinning it."""
    title = title.strip()[:120]
    if len(title) < 3:
        return []
    live = await list_proposals(event, include_inactive=False)
    scored = [(title_similarity(title, p.title), p) for p in live if p.id != exclude_id and p.status in LIVE_STATUSES]
    scored = [(s, p) for s, p in scored if s >= threshold]
    scored.sort(key=lambda sp: (-sp[0], -sp[1].votes, sp[1].id))
    return [p for _, p in scored[: max(0, limit)]]


async def facilitated_by(event: Event, participant_id: int) -> set[int]:
    """Ids of the proposals this person facilitates (their own, for edit/withdraw buttons and 'my agenda')."""
    rows = await ProposalFacilitator.select(ProposalFacilitator.proposal).where(
        (ProposalFacilitator.participant == participant_id) & (ProposalFacilitator.proposal.event == event.id)
    )
    return {row["proposal"] for row in rows}


async def edited_at(event: Event) -> dict[int, datetime]:
    """Proposal id → when it last changed (text, status or facilitators), for Last-Modified headers."""
    rows = await Proposal.select(Proposal.id, Proposal.updated_at).where(Proposal.event == event.id)
    return {row["id"]: row["updated_at"] for row in rows}


async def proposed_by(participant_id: int) -> set[int]:
    """Ids of the proposals this person proposed (whoever facilitates them now)."""
    rows = await Proposal.select(Proposal.id).where(Proposal.created_by == participant_id)
    return {row["id"] for row in rows}


async def facilitating(participant_id: int) -> set[int]:
    """Ids of the proposals this person facilitates, in their one event."""
    rows = await ProposalFacilitator.select(ProposalFacilitator.proposal).where(
        ProposalFacilitator.participant == participant_id
    )
    return {row["proposal"] for row in rows}


async def stars_changed(participant_id: int) -> tuple[set[int], list[datetime]]:
    """Proposals this person has starred, and when each of their stars last changed (unstarring counts)."""
    ids: set[int] = set()
    times: list[datetime] = []
    for row in await Star.select(Star.proposal, Star.starred, Star.updated_at).where(
        Star.participant == participant_id
    ):
        if row["starred"]:
            ids.add(row["proposal"])
        times.append(row["updated_at"])
    return ids, times
