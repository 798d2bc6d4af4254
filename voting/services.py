"""Casting dots: never more than the event allows, the tally always equal to the stored votes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Literal

import msgspec
from piccolo.query.functions.aggregate import Count, Sum

from events.services import require_phase
from events.tables import Event, Participant
from sessions.schemas import MergeRequest, ProposalOut
from sessions.services import LIVE_STATUSES, get_proposal, proposal_data, read_proposal
from sessions.tables import Proposal, ProposalFacilitator
from unconf import live, metrics, realtime
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, DotsExhausted, PhaseConflict, ValidationFailed
from unconf.validation import utcnow
from voting.schemas import MyVote, MyVotes, VoteCast, VoteOut
from voting.tables import Vote

# The vote is the hottest path of the morning: a few lean statements instead of ORM queries.
_TALLY = "SELECT COALESCE(SUM(dots), 0) AS dots, COUNT(id) AS voters FROM vote WHERE proposal = {} AND dots > 0"
_STATE = (
    "SELECT e.phase AS phase, a.voting_closed_at AS closed FROM event e "
    "LEFT JOIN autopilot a ON a.event = e.id WHERE e.id = {}"
)
_MINE = (
    "SELECT v.proposal AS proposal, v.dots AS dots FROM vote v JOIN proposal p ON p.id = v.proposal "
    "WHERE v.participant = {} AND p.status IN ('proposed', 'scheduled')"
)
_UPSERT = (
    "INSERT INTO vote (event, proposal, participant, dots, updated_at) VALUES ({}, {}, {}, {}, {}) "
    "ON CONFLICT (proposal, participant) DO UPDATE SET dots = excluded.dots, updated_at = excluded.updated_at"
)


async def proposal_tally(proposal_id: int) -> tuple[int, int]:
    rows = await Vote.raw(_TALLY, proposal_id)
    return int(rows[0]["dots"] or 0), int(rows[0]["voters"] or 0)


async def tallies(event_id: int) -> dict[int, tuple[int, int]]:
    """Dots and distinct voters per proposal, straight from the stored votes."""
    rows = await (
        Vote.select(Vote.proposal, Sum(Vote.dots).as_alias("dots"), Count(Vote.id).as_alias("voters"))
        .where((Vote.event == event_id) & (Vote.dots > 0))
        .group_by(Vote.proposal)
    )
    return {row["proposal"]: (int(row["dots"] or 0), int(row["voters"])) for row in rows}


async def merge_proposals(event: Event, source_id: int, data: MergeRequest) -> ProposalOut:
    """Fold a twin into another: its voters and facilitators move over, no person counted twice.

    It lives with voting because moving dots is the part with rules (stacking, no double counting).
    """
    require_phase(event, "draft", "proposals", "voting", action="merge proposals")
    source = await get_proposal(event, source_id)
    target = await get_proposal(event, data.into)
    if source.id == target.id:
        raise ValidationFailed("a proposal cannot be merged into itself", field="into")
    for p, name in ((source, "proposal"), (target, "into")):
        if p.status not in LIVE_STATUSES:
            raise Conflict(f"proposal {p.id} is {p.status} and cannot be merged", field=name)
    now = utcnow()
    async with write_transaction():
        source_votes = await Vote.objects().where(Vote.proposal == source.id)
        target_votes = {v.participant: v for v in await Vote.objects().where(Vote.proposal == target.id)}
        for vote in source_votes:
            existing = target_votes.get(vote.participant)
            if existing is None:
                await Vote.update({Vote.proposal: target.id, Vote.updated_at: now}).where(Vote.id == vote.id)
                continue
            combined = existing.dots + vote.dots if event.allow_stacking else max(existing.dots, vote.dots, 1)
            await Vote.update({Vote.dots: combined, Vote.updated_at: now}).where(Vote.id == existing.id)
            await Vote.delete().where(Vote.id == vote.id)
        have = {
            row["participant"]
            for row in await ProposalFacilitator.select(ProposalFacilitator.participant).where(
                ProposalFacilitator.proposal == target.id
            )
        }
        moving = await ProposalFacilitator.select(ProposalFacilitator.participant).where(
            ProposalFacilitator.proposal == source.id
        )
        new = [row["participant"] for row in moving if row["participant"] not in have]
        if new:
            await ProposalFacilitator.insert(*[ProposalFacilitator(proposal=target.id, participant=pid) for pid in new])
        await Proposal.update(
            {Proposal.status: "merged", Proposal.merged_into: target.id, Proposal.updated_at: now}
        ).where(Proposal.id == source.id)
    out = await read_proposal(event, target.id)
    merged = live.MergeData(from_=source.id, into=proposal_data(out))
    await realtime.publish(event.slug, live.ProposalMerged(data=merged))
    return out


async def voters_by_proposal(event_id: int) -> dict[int, list[int]]:
    """Proposal id → the people who put at least one dot on it (the optimizer's "wants")."""
    voters: dict[int, list[int]] = defaultdict(list)
    for row in await Vote.select(Vote.proposal, Vote.participant).where((Vote.event == event_id) & (Vote.dots > 0)):
        voters[row["proposal"]].append(row["participant"])
    return voters


async def dots_of(participant_id: int) -> dict[int, int]:
    """Proposal id → this person's dots, whatever the proposal's status (what they once wanted)."""
    rows = await Vote.select(Vote.proposal, Vote.dots).where((Vote.participant == participant_id) & (Vote.dots > 0))
    return {r["proposal"]: r["dots"] for r in rows}


async def votes_changed(participant_id: int) -> tuple[set[int], list[datetime]]:
    """Proposals this person has dots on, and when each of their votes last changed (taking dots back counts)."""
    ids: set[int] = set()
    times: list[datetime] = []
    for row in await Vote.select(Vote.proposal, Vote.dots, Vote.updated_at).where(Vote.participant == participant_id):
        if row["dots"] > 0:
            ids.add(row["proposal"])
        times.append(row["updated_at"])
    return ids, times


async def dots_by_participant(event_id: int) -> Counter[int]:
    """Participant id → dots on record (for the organizers' participant export)."""
    dots: Counter[int] = Counter()
    for r in await Vote.select(Vote.participant, Vote.dots).where(Vote.event == event_id):
        dots[r["participant"]] += int(r["dots"])
    return dots


async def live_dots(participant_id: int) -> dict[int, int]:
    """Proposal id → this person's dots, on live proposals only: withdrawn or merged proposals give dots back."""
    return {row["proposal"]: row["dots"] for row in await Vote.raw(_MINE, participant_id)}


async def dots_spent(participant_id: int) -> int:
    return sum((await live_dots(participant_id)).values())


async def cast_vote(event: Event, voter: Participant, data: VoteCast) -> VoteOut:
    """Put exactly ``data.dots`` of this person's dots on a proposal (0 takes them back)."""
    require_phase(event, "voting", action="vote")
    if not event.allow_stacking and data.dots > 1:
        raise ValidationFailed("this event allows one dot per proposal", field="dots")
    _, out = await _set_dots(event, voter, data.proposal_id, lambda current: data.dots)
    metrics.VOTES.inc()
    return out


class DotStep(msgspec.Struct, kw_only=True):
    """One dot added or taken back: how many were there before, and the vote as it stands now."""

    before: int
    vote: VoteOut


async def step_dots(event: Event, voter: Participant, proposal_id: int, step: Literal[1, -1]) -> DotStep:
    """Add one dot (+1) or take one back (-1), read and written under the voter's lock.

    Never below zero; without stacking a proposal holds at most one dot, so a second +1 changes nothing.
    """

    def target(current: int) -> int:
        dots = max(0, current + step)
        return dots if event.allow_stacking else min(dots, 1)

    before, out = await _set_dots(event, voter, proposal_id, target)
    metrics.VOTES.inc()
    return DotStep(before=before, vote=out)


async def _set_dots(
    event: Event, voter: Participant, proposal_id: int, target: Callable[[int], int]
) -> tuple[int, VoteOut]:
    """The one write path for dots: ``target`` turns this person's current dots on the proposal into the new count."""
    require_phase(event, "voting", action="vote")
    proposal = await get_proposal(event, proposal_id)
    if proposal.status not in LIVE_STATUSES:
        raise Conflict(f"proposal {proposal.id} is {proposal.status}; its votes are closed", field="proposal_id")
    budget = event.dots_per_participant
    async with write_transaction():
        # Serialises this person's concurrent votes so two taps cannot both spend the last dot.
        await lock_row(Participant, voter.id)
        state = (await Event.raw(_STATE, event.id))[0]
        if state["phase"] != "voting":
            raise PhaseConflict("voting closed before this vote arrived", phase=state["phase"])
        if state["closed"] is not None:
            raise PhaseConflict("voting has closed; the agenda is being made", phase=state["phase"])
        mine = await live_dots(voter.id)
        current = mine.get(proposal.id, 0)
        dots = target(current)
        spent = sum(mine.values())
        after = spent - current + dots
        if after > budget:
            left_here = budget - spent + current
            raise DotsExhausted(
                f"not enough dots: you have {budget - spent} of {budget} left, so at most {left_here} on this proposal",
                field="dots",
            )
        if dots > 0:
            await Vote.raw(_UPSERT, event.id, proposal.id, voter.id, dots, utcnow())
        elif current:
            await Vote.delete().where((Vote.proposal == proposal.id) & (Vote.participant == voter.id))
        votes, voters = await proposal_tally(proposal.id)
    await realtime.publish(
        event.slug, live.VoteCast(data=live.TallyData(proposal_id=proposal.id, votes=votes, voters=voters))
    )
    return current, VoteOut(
        proposal_id=proposal.id, dots=dots, dots_left=budget - after, proposal_votes=votes, proposal_voters=voters
    )


async def my_votes(event: Event, voter: Participant) -> MyVotes:
    rows = (
        await Vote.select(Vote.proposal, Vote.dots)
        .where((Vote.participant == voter.id) & (Vote.dots > 0))
        .order_by(Vote.proposal)
    )
    spent = await dots_spent(voter.id)
    return MyVotes(
        dots_per_participant=event.dots_per_participant,
        dots_left=max(0, event.dots_per_participant - spent),
        votes=[MyVote(proposal_id=r["proposal"], dots=r["dots"]) for r in rows],
    )
