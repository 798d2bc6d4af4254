"""A worker stopping in the middle of a vote burst sends its last tallies before its database closes.

The app lists the tally lifespan after the database pool, so on shutdown its rounds end first: a round
still waiting is sent at once, a round already reading is waited for, and the settle re-sends are
dropped. Before this, a round could read from a closing PostgreSQL pool and log a traceback. The
scenario runs in a process of its own against a real database file and a fresh PostgreSQL database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import SCENARIO_ERRORS, fresh_postgres_database, run_scenario

SCENARIO = (
    SCENARIO_ERRORS
    + r"""
import asyncio, json
from datetime import date

async def main():
    from events.schemas import EventCreate, JoinRequest, PhaseChange
    from events.services import change_phase, create_event, join_event
    from events.tables import Participant
    from sessions.schemas import ProposalCreate
    from sessions.services import create_proposal
    from unconf import live, realtime
    from unconf.app import wire
    from unconf.database import close_connection_pool, start_connection_pool
    from unconf.migrations import migrate
    from unconf.tokens import hash_token
    from voting.schemas import VoteCast
    from voting.services import cast_vote, tallies, tally_messages, tally_messages_lifespan

    wire()
    await migrate(quiet=True)
    await start_connection_pool()
    created = EventCreate(title="Stopping", start_date=date(2099, 6, 6), organizer_name="S")
    event, organizer, _ = await create_event(created)
    event = await change_phase(event, PhaseChange(phase="proposals"))
    ids = [(await create_proposal(event, organizer, ProposalCreate(title=f"T{i}"))).id for i in range(3)]
    people = []
    for i in range(6):
        joined = await join_event(event, JoinRequest(display_name=f"P{i}", join_code=event.join_code))
        people.append(await Participant.objects().where(Participant.token_hash == hash_token(joined.token)).first())
    event = await change_phase(event, PhaseChange(phase="voting"))

    sent = []
    closed = []

    async def keep(message):
        if isinstance(message, live.VoteCast):
            data = message.data
            sent.append({"proposal": data.proposal_id, "votes": data.votes, "after_close": bool(closed)})

    realtime.subscribe(keep)
    stopping = tally_messages_lifespan(None)
    await stopping.__aenter__()
    # A burst, then after a quiet moment one more mark: its round starts reading at once.
    await asyncio.gather(*(cast_vote(event, person, VoteCast(proposal_id=pid, dots=1))
                           for person in people[:-1] for pid in ids))
    await asyncio.sleep(0.3)
    await asyncio.gather(*(cast_vote(event, people[-1], VoteCast(proposal_id=pid, dots=1)) for pid in ids))
    await asyncio.sleep(0.3)
    for pid in ids:  # what a vote does once committed, without the awaits of the commit around it
        await tally_messages.changed(event.slug, pid)
    # Shutdown begins while that round reads the tallies (nothing left marked, its task not done).
    reading = False
    for _ in range(200):
        settling = set(tally_messages._settling.values())
        busy = [t for t in tally_messages._running if t not in settling and not t.done()]
        if busy and not tally_messages._marked.get(event.slug):
            reading = True
            break
        await asyncio.sleep(0)
    await stopping.__aexit__(None, None, None)  # what the app does on shutdown, before the pool closes
    stored = await tallies(event.id)
    await close_connection_pool()
    closed.append(True)
    await asyncio.sleep(1.5)  # longer than the settle time: nothing may run on after the pool closed
    pending = [t.get_coro().__qualname__ for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    stored = {str(k): v for k, v in stored.items()}
    print(json.dumps({"sent": sent, "stored": stored, "errors": errors, "pending": pending, "reading": reading}))

asyncio.run(main())
"""
)


@pytest.mark.parametrize("stack", ["sqlite", "postgres"])
def test_stopping_mid_burst_sends_the_stored_tallies_and_leaves_nothing_running(tmp_path: Path, stack: str) -> None:
    url = f"sqlite:///{tmp_path / 'votes.sqlite'}" if stack == "sqlite" else fresh_postgres_database()
    run = run_scenario(SCENARIO, url)
    if stack == "postgres":  # SQLite statements run on the loop thread: a read never waits there
        assert run["reading"], "the scenario did not catch a round reading when shutdown began"
    assert run["errors"] == [], run["errors"]
    assert run["pending"] == [], run["pending"]
    assert not [m for m in run["sent"] if m["after_close"]], run["sent"]
    last = {m["proposal"]: m["votes"] for m in run["sent"]}
    assert last == {int(k): v[0] for k, v in run["stored"].items()}
    assert set(last.values()) == {6}
