"""Casting dots: never more than the event allows, the tally always equal to the stored votes."""

from __future__ import annotations

from sessions.services import LIVE_STATUSES, get_proposal
from unconf import realtime
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, DotsExhausted, PhaseConflict, ValidationFailed
from unconf.events.services import dots_spent, require_phase
from unconf.tables import Event, Participant
from unconf.validation import utcnow
from voting.schemas import MyVote, MyVotes, TallyChanged, VoteCast, VoteOut
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


async def cast_vote(event: Event, voter: Participant, data: VoteCast) -> VoteOut:
    require_phase(event, "voting", action="vote")
    if not event.allow_stacking and data.dots > 1:
        raise ValidationFailed("this event allows one dot per proposal", field="dots")
    proposal = await get_proposal(event, data.proposal_id)
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
        mine = {row["proposal"]: row["dots"] for row in await Vote.raw(_MINE, voter.id)}
        current = mine.get(proposal.id, 0)
        spent = sum(mine.values())
        after = spent - current + data.dots
        if after > budget:
            left_here = budget - spent + current
            raise DotsExhausted(
                f"not enough dots: you have {budget - spent} of {budget} left, so at most {left_here} on this proposal",
                field="dots",
            )
        if data.dots > 0:
            await Vote.raw(_UPSERT, event.id, proposal.id, voter.id, data.dots, utcnow())
        elif current:
            await Vote.delete().where((Vote.proposal == proposal.id) & (Vote.participant == voter.id))
        votes, voters = await proposal_tally(proposal.id)
    await realtime.publish(event.slug, "vote.cast", TallyChanged(proposal_id=proposal.id, votes=votes, voters=voters))
    return VoteOut(
        proposal_id=proposal.id, dots=data.dots, dots_left=budget - after, proposal_votes=votes, proposal_voters=voters
    )


async def my_votes(event: Event, voter: Participant) -> MyVotes:
    rows = (
        await Vote.select(Vote.proposal, Vote.dots)
        .where((Vote.participant == voter.id) & (Vote.dots > 0))
        .order_by(Vote.proposal)
    )
    spent = await dots_spent(event.id, voter.id)
    return MyVotes(
        dots_per_participant=event.dots_per_participant,
        dots_left=max(0, event.dots_per_participant - spent),
        votes=[MyVote(proposal_id=r["proposal"], dots=r["dots"]) for r in rows],
    )
