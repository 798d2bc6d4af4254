"""Casting dots: never more than the event allows, the tally always equal to the stored votes."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count, Sum

from agenda.autopilot import voting_closed
from sessions.services import LIVE_STATUSES, get_proposal
from unconf import realtime
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, DotsExhausted, PhaseConflict, ValidationFailed
from unconf.events.services import dots_spent, require_phase
from unconf.tables import Event, Participant
from unconf.validation import utcnow
from voting.schemas import MyVote, MyVotes, TallyChanged, VoteCast, VoteOut
from voting.tables import Vote


async def proposal_tally(proposal_id: int) -> tuple[int, int]:
    rows = await Vote.select(Sum(Vote.dots).as_alias("dots"), Count(Vote.id).as_alias("voters")).where(
        (Vote.proposal == proposal_id) & (Vote.dots > 0)
    )
    return int(rows[0]["dots"] or 0), int(rows[0]["voters"] or 0)


async def cast_vote(event: Event, voter: Participant, data: VoteCast) -> VoteOut:
    require_phase(event, "voting", action="vote")
    closed = await voting_closed(event.id)
    if closed is not None:
        raise PhaseConflict(f"voting closed at {closed:%H:%M} UTC; the agenda is being made", phase=event.phase)
    proposal = await get_proposal(event, data.proposal_id)
    if proposal.status not in LIVE_STATUSES:
        raise Conflict(f"proposal {proposal.id} is {proposal.status}; its votes are closed", field="proposal_id")
    if not event.allow_stacking and data.dots > 1:
        raise ValidationFailed("this event allows one dot per proposal", field="dots")
    budget = event.dots_per_participant
    async with write_transaction():
        # Serialises this person's concurrent votes so two taps cannot both spend the last dot.
        await lock_row(Participant, voter.id)
        row = await Event.select(Event.phase).where(Event.id == event.id).first()
        if row is None or row["phase"] != "voting":
            raise PhaseConflict("voting closed before this vote arrived", phase=row["phase"] if row else "closed")
        existing = await Vote.objects().where((Vote.proposal == proposal.id) & (Vote.participant == voter.id)).first()
        current = existing.dots if existing else 0
        spent = await dots_spent(event.id, voter.id)
        after = spent - current + data.dots
        if after > budget:
            left_here = budget - spent + current
            raise DotsExhausted(
                f"not enough dots: you have {budget - spent} of {budget} left, so at most {left_here} on this proposal",
                field="dots",
            )
        if existing is None:
            if data.dots > 0:
                await Vote(
                    event=event.id, proposal=proposal.id, participant=voter.id, dots=data.dots, updated_at=utcnow()
                ).save()
        elif data.dots == 0:
            await Vote.delete().where(Vote.id == existing.id)
        else:
            await Vote.update({Vote.dots: data.dots, Vote.updated_at: utcnow()}).where(Vote.id == existing.id)
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
