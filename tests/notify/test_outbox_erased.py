"""A message erased while it is being delivered: the delivery ends quietly and nothing comes back.

A person who asks to be forgotten takes their queued mail with them, and the worker may be sending one
of those messages at that very moment. Its attempt is then not recorded (there is nothing to record
it on), no error is raised or logged, and the erased message stays gone. The scenario runs the
outbox worker's own ``deliver_one`` in a process of its own, on a real database file and on a fresh
PostgreSQL database, with a task that erases its row while it runs.
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
    from events.schemas import EventCreate
    from events.services import create_event
    from notify.outbox import Outcome, register_task
    from notify.tables import Outbox, OutboxAttempt
    from notify.worker import Worker
    from unconf.app import wire
    from unconf.database import close_connection_pool, start_connection_pool
    from unconf.migrations import migrate
    from unconf.validation import utcnow

    wire()
    await migrate(quiet=True)
    await start_connection_pool()
    event, _, _ = await create_event(EventCreate(title="Forget", start_date=date(2099, 6, 6), organizer_name="F"))

    async def erased_while_sending(row):
        # What an erase does while the message is on its way: the row (and its attempts) go.
        await Outbox.delete().where(Outbox.id == row.id)
        return Outcome(True, code=250)

    async def sent(row):
        return Outcome(True, code=250)

    register_task("test-erased", erased_while_sending)
    register_task("test-sent", sent)
    now = utcnow()
    rows = {}
    for kind in ("test-erased", "test-sent"):
        made = await Outbox.insert(
            Outbox(event=event.id, channel="task", kind=kind, next_attempt_at=now, created_at=now, attempts=1)
        ).returning(Outbox.id)
        rows[kind] = made[0]["id"]
    worker = Worker()
    for row_id in rows.values():
        task = asyncio.get_running_loop().create_task(worker.deliver_one(row_id))
        await asyncio.wait([task])
        if task.exception() is not None:
            errors.append(repr(task.exception()))
    left = {r["id"]: r["status"] for r in await Outbox.select(Outbox.id, Outbox.status)}
    attempts = [r["outbox"] for r in await OutboxAttempt.select(OutboxAttempt.outbox)]
    await close_connection_pool()
    print(json.dumps({"rows": rows, "left": left, "attempts": attempts, "errors": errors}))

asyncio.run(main())
"""
)


@pytest.mark.parametrize("stack", ["sqlite", "postgres"])
def test_a_message_erased_while_it_is_sent_stays_gone_without_an_error(tmp_path: Path, stack: str) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.sqlite'}" if stack == "sqlite" else fresh_postgres_database()
    run = run_scenario(SCENARIO, url)
    assert run["errors"] == [], run["errors"]
    erased, sent = run["rows"]["test-erased"], run["rows"]["test-sent"]
    assert str(erased) not in run["left"], "the erased message stays gone"
    assert run["left"][str(sent)] == "delivered"
    assert run["attempts"] == [sent]
