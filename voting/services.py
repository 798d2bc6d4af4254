"""Casting dots: never more than the event allows, the tally always equal to the stored votes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal

import msgspec
from piccolo.query.functions.aggregate import Count, Sum

from events.services import require_phase
from events.tables import Event, Participant
from sessions.schemas import MergeRequest, ProposalOut
from sessions.services import LIVE_STATUSES, get_proposal, proposal_data, read_proposal, status_word
from sessions.tables import Proposal, ProposalFacilitator
from unconf import live, metrics, realtime
from unconf.database import write_transaction
from unconf.errors import Conflict, ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import check_id, utcnow
from voting.commits import vote_commits
from voting.schemas import MyVote, MyVotes, VoteCast, VoteOut
from voting.tables import Vote

log = logging.getLogger("unconf.voting")

# The vote is the hottest path of the morning: a few lean statements instead of ORM queries.
_TALLY = "SELECT COALESCE(SUM(dots), 0) AS dots, COUNT(id) AS voters FROM vote WHERE proposal = {} AND dots > 0"
_MINE = (
    "SELECT v.proposal AS proposal, v.dots AS dots FROM vote v JOIN proposal p ON p.id = v.proposal "
    "WHERE v.participant = {} AND p.status IN ('proposed', 'scheduled')"
)


async def proposal_tally(proposal_id: int) -> tuple[int, int]:
    rows = await Vote.raw(_TALLY, proposal_id)
    return int(rows[0]["dots"] or 0), int(rows[0]["voters"] or 0)


COALESCE_SECONDS = 0.05
SETTLE_SECONDS = 1.0


class TallyMessages:
    """Live tally messages, at most one per proposal per ``COALESCE_SECONDS``, each with the stored tally.

    A crowd voting sends thousands of votes a second; every board and phone does not need every one.
    A vote drops the event's cached reads at once (``realtime.forget_votes``: the voter's next page
    shows it) and marks its proposal. One ``vote.cast`` per marked proposal then goes out, with the
    tally read from the stored votes at that moment: at once after a quiet moment, else when the
    window since the last message ends. So the last message this worker sends equals what is stored.

    With several workers each sends its own messages, and one worker's read may travel behind another
    worker's later one. So once an event's votes go quiet (``SETTLE_SECONDS`` without a round here) the
    proposals of the last round are sent once more, read after every worker's commits: boards settle on
    the stored tally. The message's shape is unchanged: a board applies it as before, it just gets fewer.
    """

    def __init__(self) -> None:
        self._marked: dict[str, set[int]] = {}
        self._flushing: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._last_sent: dict[str, float] = {}
        self._sending: dict[str, asyncio.Lock] = {}
        self._unsettled: dict[str, set[int]] = {}
        self._settling: dict[str, asyncio.Task[None]] = {}

    async def changed(self, slug: str, proposal_id: int) -> None:
        await realtime.forget_votes(slug)
        self._marked.setdefault(slug, set()).add(proposal_id)
        if slug not in self._flushing:
            # The first vote after a quiet moment goes out at once; those right behind it wait for the window.
            wait = self._last_sent.get(slug, 0.0) + COALESCE_SECONDS - time.monotonic()
            task = asyncio.get_running_loop().create_task(self._flush_later(slug, wait))
            self._flushing[slug] = task
            self._running.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._running.discard)

    async def _flush_later(self, slug: str, wait: float) -> None:
        await asyncio.sleep(max(0.0, wait))
        # Marks made from here on start the next round (and its own task).
        self._flushing.pop(slug, None)
        self._last_sent[slug] = time.monotonic()
        proposal_ids = self._marked.pop(slug, set())
        await self.send(slug, proposal_ids)
        self._unsettled.setdefault(slug, set()).update(proposal_ids)
        if slug not in self._settling:
            task = asyncio.get_running_loop().create_task(self._settle_later(slug))
            self._settling[slug] = task
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _settle_later(self, slug: str) -> None:
        try:
            # Each round moves the end of the quiet time; sleep until it ends without one.
            while (quiet := time.monotonic() - self._last_sent.get(slug, 0.0)) < SETTLE_SECONDS:  # noqa: ASYNC110
                await asyncio.sleep(SETTLE_SECONDS - quiet)
        finally:
            self._settling.pop(slug, None)
        await self.send(slug, self._unsettled.pop(slug, set()))

    async def send(self, slug: str, proposal_ids: set[int]) -> None:
        # One round at a time per event: a later round reads (and sends) a later tally, on any database.
        lock = self._sending.setdefault(slug, asyncio.Lock())
        async with lock:
            await self._send(slug, proposal_ids)

    async def _send(self, slug: str, proposal_ids: set[int]) -> None:
        for proposal_id in sorted(proposal_ids):
            try:
                votes, voters = await proposal_tally(proposal_id)
            except Exception:  # the votes are stored; a board catches up on its next message or reconnect
                log.exception("could not read the tally of proposal %s for %s", proposal_id, slug)
                continue
            await realtime.publish(
                slug, live.VoteCast(data=live.TallyData(proposal_id=proposal_id, votes=votes, voters=voters))
            )

    async def drain(self) -> None:
        """Send what is marked now and stop every round (at shutdown, before the database closes).

        A round still asleep is cancelled (its proposals are still marked); one already reading is
        awaited, since it holds proposals no longer marked. The settle re-sends are dropped: what is
        sent here is read after every commit of this worker.
        """
        for task in list(self._flushing.values()):
            task.cancel()
        self._flushing.clear()
        settling = set(self._settling.values())
        reading = [task for task in self._running if task not in settling and not task.done()]
        if reading:
            await asyncio.gather(*reading, return_exceptions=True)
        for slug in list(self._marked):
            await self.send(slug, self._marked.pop(slug, set()))
        settling = set(self._settling.values())
        for task in settling:
            task.cancel()
        if settling:
            await asyncio.gather(*settling, return_exceptions=True)
        self._unsettled.clear()


tally_messages = TallyMessages()


@asynccontextmanager
async def tally_messages_lifespan(_: Any) -> AsyncIterator[None]:
    """Rounds of tally messages end while the database is still open (listed after the pool)."""
    try:
        yield
    finally:
        await tally_messages.drain()


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
        raise ValidationFailed(_("a proposal cannot be merged into itself"), field="into")
    for p, name in ((source, "proposal"), (target, "into")):
        if p.status not in LIVE_STATUSES:
            raise Conflict(
                _("proposal {proposal_id} is {status} and cannot be merged").format(
                    proposal_id=p.id, status=status_word(p.status)
                ),
                field=name,
            )
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

    def target(current: int, allow_stacking: bool) -> int:
        if not allow_stacking and data.dots > 1:
            raise ValidationFailed(_("this event allows one dot per proposal"), field="dots")
        return data.dots

    _before, out = await _set_dots(event, voter, data.proposal_id, target)
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

    def target(current: int, allow_stacking: bool) -> int:
        dots = max(0, current + step)
        return dots if allow_stacking else min(dots, 1)

    before, out = await _set_dots(event, voter, proposal_id, target)
    metrics.VOTES.inc()
    return DotStep(before=before, vote=out)


async def _set_dots(
    event: Event, voter: Participant, proposal_id: int, target: Callable[[int, bool], int]
) -> tuple[int, VoteOut]:
    """The one write path for dots: ``target`` turns this person's current dots on the proposal into the new count.

    ``event`` may be the cached row (the vote routes ask for it: a crowd votes at once): everything a
    rule depends on — the phase, whether voting closed, the budget, stacking, the proposal's status —
    is read again inside the transaction, under the voter's lock. Votes arriving together share that
    transaction (``voting.commits``: group commit); this returns once this vote is committed.
    """
    require_phase(event, "voting", action="vote")
    check_id(proposal_id, "proposal_id")
    current, out = await vote_commits.set_dots(event.id, voter.id, proposal_id, target)
    await tally_messages.changed(event.slug, proposal_id)
    return current, out


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
