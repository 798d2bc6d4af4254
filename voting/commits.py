"""Group commit: the votes that arrive together are checked and stored in one transaction.

When voting opens, a room of people taps at once. Stored one at a time, every vote pays for its own
transaction: on SQLite the write lock and the BEGIN/COMMIT statements, on PostgreSQL a round trip per
statement and a WAL flush per commit. Here the votes waiting while one transaction commits form the
next batch (no timer: a lone vote goes at once, a crowd's votes share a commit), and a batch costs
about the same few statements whatever its size:

1. lock the voters' rows (PostgreSQL, in id order, so two workers' batches never deadlock; SQLite's
   ``BEGIN IMMEDIATE`` already holds the one write lock);
2. read the proposals with their status and their event's rules (phase, closing, budget, stacking)
   in one statement, and every voter's live dots in another;
3. apply the votes in arrival order in memory, each against the dots as the votes before it left them,
   so every rule holds exactly as if they had come one by one (never overspent, no dot on a closed or
   merged proposal);
4. write each (person, proposal) pair's final dots in one upsert and one delete, read the touched
   proposals' tallies in one aggregate, and commit.

Only then is each vote answered: an acknowledged vote is committed. A vote a rule refuses fails alone
(its error is raised in its own request, in that person's language); if the batch's transaction itself
fails (a lost connection), each of its votes is tried again in a batch of its own, so one cannot sink
the others.

The trade-off: a vote waits for the batch in front of it to commit (one transaction's time), and the
tally a vote answers with includes the other votes committed with it — still the stored tally.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from events.tables import Event, Participant
from sessions.services import LIVE_STATUSES, status_word
from unconf.database import lock_rows, write_transaction
from unconf.errors import Conflict, DomainError, DotsExhausted, NotFound, PhaseConflict
from unconf.i18n import gettext as _
from unconf.i18n import ngettext
from unconf.validation import utcnow
from voting.schemas import VoteOut

log = logging.getLogger("unconf.voting")

MAX_BATCH = 256
"""Votes per transaction at most; more wait for the next one (keeps a transaction short)."""

Target = Callable[[int, bool], int]
"""This person's current dots on the proposal and whether stacking is allowed → the dots wanted.

It may raise a :class:`DomainError` (e.g. two dots where stacking is off)."""


def _marks(n: int) -> str:
    return ", ".join(["{}"] * n)


_LIVE = ", ".join(f"'{status}'" for status in LIVE_STATUSES)


@dataclass
class DotChange:
    """One person's vote on its way to the database, and how it ended."""

    event_id: int
    voter_id: int
    proposal_id: int
    target: Target
    done: asyncio.Future[tuple[int, VoteOut]]
    refusal: Callable[[], DomainError] | None = field(default=None)
    """Built in the voter's own request, so its text is in their language."""


class _Refused(Exception):
    def __init__(self, make: Callable[[], DomainError]) -> None:
        self.make = make


class VoteCommits:
    """One writer per event loop that commits the waiting votes together (see the module's docstring)."""

    def __init__(self) -> None:
        self._waiting: list[DotChange] = []
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0
        self.largest = 0

    async def set_dots(self, event_id: int, voter_id: int, proposal_id: int, target: Target) -> tuple[int, VoteOut]:
        """Put the vote in the next batch and wait until it is committed (or refused)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test, a restarted server): nothing carries over
            self._waiting, self._writer, self._loop = [], None, loop
        change = DotChange(event_id, voter_id, proposal_id, target, loop.create_future())
        self._waiting.append(change)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write())
        try:
            return await asyncio.shield(change.done)
        except _Refused as refused:
            raise refused.make() from None

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            self.batches += 1
            self.largest = max(self.largest, len(batch))
            try:
                await _commit(batch)
            except Exception:
                if len(batch) == 1:
                    log.exception("a vote could not be stored")
                    _fail(batch[0], None)
                    continue
                log.warning("a batch of %s votes failed; trying each alone", len(batch), exc_info=True)
                for change in batch:
                    try:
                        await _commit([change])
                    except Exception as error:
                        log.exception("a vote could not be stored")
                        _fail(change, error)


def _fail(change: DotChange, error: BaseException | None) -> None:
    if not change.done.done():
        change.done.set_exception(error or RuntimeError("the vote could not be stored"))


vote_commits = VoteCommits()


async def _commit(batch: list[DotChange]) -> None:
    outcomes: list[tuple[DotChange, tuple[int, int, int, int] | Callable[[], DomainError]]] = []
    async with write_transaction():
        voters = sorted({c.voter_id for c in batch})
        await lock_rows(Participant, voters)
        rules = await _rules_by_proposal({c.proposal_id for c in batch})
        dots = await _live_dots(voters)
        stored = {voter: dict(mine) for voter, mine in dots.items()}
        for change in batch:
            outcomes.append(
                (change, _apply(change, rules.get(change.proposal_id), dots.setdefault(change.voter_id, {})))
            )
        changed = {
            (voter, proposal): n
            for voter, mine in dots.items()
            for proposal, n in mine.items()
            if stored.get(voter, {}).get(proposal, 0) != n
        }
        await _write(changed, {c.proposal_id: c.event_id for c in batch})
        tallies = await _tallies({c.proposal_id for c, o in outcomes if not callable(o)})
    for change, outcome in outcomes:
        if change.done.done():
            continue  # the request went away; the vote is stored all the same
        if callable(outcome):
            change.done.set_exception(_Refused(outcome))
            continue
        current, dots_now, budget, after = outcome
        votes, voters_count = tallies.get(change.proposal_id, (0, 0))
        change.done.set_result(
            (
                current,
                VoteOut(
                    proposal_id=change.proposal_id,
                    dots=dots_now,
                    dots_left=budget - after,
                    proposal_votes=votes,
                    proposal_voters=voters_count,
                ),
            )
        )


def _apply(
    change: DotChange,
    rule: dict[str, Any] | None,
    mine: dict[int, int],
) -> tuple[int, int, int, int] | Callable[[], DomainError]:
    """One vote against this person's dots as the votes before it left them: (before, now, budget, spent after).

    ``mine`` (proposal → dots, live proposals only) is updated in place when the vote is allowed.
    """
    pid = change.proposal_id
    if rule is None or rule["event"] != change.event_id:
        return lambda: NotFound(
            _("no proposal {proposal_id} in this event").format(proposal_id=pid), field="proposal_id"
        )
    status = rule["status"]
    if status not in LIVE_STATUSES:
        return lambda: Conflict(
            _("proposal {proposal_id} is {status}; its votes are closed").format(
                proposal_id=pid, status=status_word(status)
            ),
            field="proposal_id",
        )
    phase = rule["phase"]
    if phase != "voting":
        return lambda: PhaseConflict(_("voting closed before this vote arrived"), phase=phase)
    if rule["closed"] is not None:
        return lambda: PhaseConflict(_("voting has closed; the agenda is being made"), phase=phase)
    budget = int(rule["budget"])
    current = mine.get(pid, 0)
    stacking = bool(rule["stacking"])
    try:
        wanted = change.target(current, stacking)
    except DomainError:
        return lambda: _refusal_of(change.target, current, stacking)
    spent = sum(mine.values())
    after = spent - current + wanted
    if after > budget:
        left, here = budget - spent, budget - spent + current
        return lambda: DotsExhausted(
            ngettext(
                "not enough dots: you have {left} of {budget} left, so at most {left_here} on this proposal",
                "not enough dots: you have {left} of {budget} left, so at most {left_here} on this proposal",
                left,
            ).format(left=left, budget=budget, left_here=here),
            field="dots",
        )
    mine[pid] = wanted
    return current, wanted, budget, after


def _refusal_of(target: Target, current: int, stacking: bool) -> DomainError:
    """The target's own error, raised again in the voter's request (so in their language)."""
    try:
        target(current, stacking)
    except DomainError as error:
        return error
    raise AssertionError("a vote's target refused it once and then allowed it")


async def _rules_by_proposal(proposal_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each proposal's event and status with that event's rules (phase, closing, budget, stacking)."""
    ids = sorted(proposal_ids)
    rows = await Event.raw(
        "SELECT p.id AS id, p.event AS event, p.status AS status, e.phase AS phase, a.voting_closed_at AS closed, "
        "e.dots_per_participant AS budget, e.allow_stacking AS stacking FROM proposal p "
        "JOIN event e ON e.id = p.event LEFT JOIN autopilot a ON a.event = e.id "
        f"WHERE p.id IN ({_marks(len(ids))})",
        *ids,
    )
    return {row["id"]: row for row in rows}


async def _live_dots(voter_ids: list[int]) -> dict[int, dict[int, int]]:
    """Person → proposal → dots, on live proposals only: withdrawn or merged proposals give dots back."""
    rows = await Event.raw(
        "SELECT v.participant AS participant, v.proposal AS proposal, v.dots AS dots FROM vote v "
        f"JOIN proposal p ON p.id = v.proposal WHERE v.participant IN ({_marks(len(voter_ids))}) "
        f"AND p.status IN ({_LIVE})",
        *voter_ids,
    )
    dots: dict[int, dict[int, int]] = {}
    for row in rows:
        dots.setdefault(row["participant"], {})[row["proposal"]] = int(row["dots"])
    return dots


async def _write(changed: dict[tuple[int, int], int], event_of: dict[int, int]) -> None:
    """Each (person, proposal) pair's final dots: one upsert for those above zero, one delete for the rest."""
    now = utcnow()
    keep = sorted(key for key, n in changed.items() if n > 0)
    drop = sorted(key for key, n in changed.items() if n == 0)
    if keep:
        args: list[Any] = []
        for voter, proposal in keep:
            args += [event_of[proposal], proposal, voter, changed[(voter, proposal)], now]
        await Event.raw(
            "INSERT INTO vote (event, proposal, participant, dots, updated_at) VALUES "
            + ", ".join(["({}, {}, {}, {}, {})"] * len(keep))
            + " ON CONFLICT (proposal, participant) DO UPDATE"
            " SET dots = excluded.dots, updated_at = excluded.updated_at",
            *args,
        )
    if drop:
        await Event.raw(
            "DELETE FROM vote WHERE " + " OR ".join(["(participant = {} AND proposal = {})"] * len(drop)),
            *[value for pair in drop for value in pair],
        )


async def _tallies(proposal_ids: set[int]) -> dict[int, tuple[int, int]]:
    if not proposal_ids:
        return {}
    ids = sorted(proposal_ids)
    rows = await Event.raw(
        "SELECT proposal, COALESCE(SUM(dots), 0) AS dots, COUNT(id) AS voters FROM vote "
        f"WHERE proposal IN ({_marks(len(ids))}) AND dots > 0 GROUP BY proposal",
        *ids,
    )
    return {row["proposal"]: (int(row["dots"] or 0), int(row["voters"] or 0)) for row in rows}
