"""The durable outbox: rows waiting to go out, the attempt log, retries with backoff. No HTTP handling here.

Requests (and ``notify.notices.dispatch``, called from ``realtime.publish``) only insert rows;
the worker (``notify.worker``) delivers them (``notify.delivery``), and ``record`` decides after
each attempt: delivered, retry later, or give up. A dead or slow receiver therefore costs a
worker slot, never a request or the live board.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from events.tables import Event
from notify.schemas import AttemptOut, DeliveryOut
from notify.tables import Outbox, OutboxAttempt
from unconf.database import lock_row, write_transaction
from unconf.validation import aware as _aware
from unconf.validation import utcnow

MAX_ATTEMPTS = 10
BACKOFF_BASE = 2.0  # seconds before the 2nd attempt; doubled each time
BACKOFF_CAP = 1800.0


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def notice_row(event_id: int, kind: str, payload: dict[str, Any], *, dedupe_key: str | None) -> Outbox:
    now = utcnow()
    return Outbox(
        event=event_id,
        channel="notice",
        kind=kind,
        payload=dumps(payload),
        status="pending",
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
        created_at=now,
    )


async def insert_new(rows: list[Outbox]) -> int:
    """Insert, skipping rows whose dedupe key is already there (fan-out and scans may repeat)."""
    if not rows:
        return 0
    inserted = await (
        Outbox.insert(*rows).on_conflict(target=Outbox.dedupe_key, action="DO NOTHING").returning(Outbox.id)
    )
    return len(inserted)


def task_row(event_id: int, kind: str, payload: dict[str, Any], *, not_before: datetime, dedupe_key: str) -> Outbox:
    """Work a higher domain asked to run at ``not_before`` or later (a greeter's follow-up a week on).

    The row waits in the database like any other, so a restart loses nothing; the worker hands it to
    the handler registered for ``kind`` (``register_task``).
    """
    return Outbox(
        event=event_id,
        channel="task",
        kind=kind,
        payload=dumps(payload),
        status="pending",
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=not_before,
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )


@dataclass(frozen=True)
class Outcome:
    """How one attempt went; ``permanent`` and ``cancelled`` stop the retries."""

    ok: bool
    code: int | None = None
    note: str = ""
    permanent: bool = False
    cancelled: bool = False


TaskHandler = Callable[[Outbox], Awaitable[Outcome]]
TASKS: dict[str, TaskHandler] = {}


def register_task(kind: str, handler: TaskHandler) -> None:
    """Who runs outbox rows of channel ``task`` and this ``kind``; plugged in ``unconf.app.wire()``."""
    TASKS[kind] = handler


def backoff(attempt: int) -> float:
    """2 s, 4 s, 8 s ... capped at 30 minutes, with jitter so retries from many rows do not stampede."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.9, 1.1)


async def record(row: Outbox, outcome: Outcome, duration_ms: int) -> None:
    """Log the attempt and decide: delivered, retry later, or give up.

    The row may have been erased while it was being delivered (its person asked to be forgotten):
    then nothing is recorded. The row is locked first, so an erase waits for this and takes the
    attempt with it.
    """
    now = utcnow()
    async with write_transaction():
        await lock_row(Outbox, row.id)
        if await Outbox.exists().where(Outbox.id == row.id):
            await _record(row, outcome, duration_ms, now)


async def _record(row: Outbox, outcome: Outcome, duration_ms: int, now: datetime) -> None:
    await OutboxAttempt(
        outbox=row.id,
        number=row.attempts,
        at=now,
        ok=outcome.ok,
        code=outcome.code,
        error=outcome.note[:2000],
        duration_ms=duration_ms,
    ).save()
    values: dict[Any, Any] = {Outbox.last_code: outcome.code, Outbox.last_error: outcome.note[:2000]}
    if outcome.ok:
        values |= {Outbox.status: "delivered", Outbox.finished_at: now}
    elif outcome.cancelled:
        values |= {Outbox.status: "cancelled", Outbox.finished_at: now}
    elif outcome.permanent or row.attempts >= row.max_attempts:
        values |= {Outbox.status: "failed", Outbox.finished_at: now}
    else:
        values[Outbox.next_attempt_at] = now + timedelta(seconds=backoff(row.attempts))
    await Outbox.update(values).where((Outbox.id == row.id) & (Outbox.status == "pending"))


# -- the delivery log -------------------------------------------------------------------------------------------------


async def delivery_log(condition: Any, limit: int = 200) -> list[DeliveryOut]:
    rows = await Outbox.objects().where(condition).order_by(Outbox.id, ascending=False).limit(limit)
    attempts: dict[int, list[AttemptOut]] = {}
    if rows:
        for a in (
            await OutboxAttempt.objects()
            .where(OutboxAttempt.outbox.is_in([r.id for r in rows]))
            .order_by(OutboxAttempt.id)
        ):
            attempts.setdefault(a.outbox, []).append(
                AttemptOut(
                    number=a.number,
                    at=_aware(a.at) or utcnow(),
                    ok=a.ok,
                    code=a.code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                )
            )
    return [
        DeliveryOut(
            id=r.id,
            channel=r.channel,
            kind=r.kind,
            endpoint_id=r.endpoint,
            participant_id=r.participant,
            recipient=r.recipient,
            subject=r.subject,
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=_aware(r.next_attempt_at) if r.status == "pending" else None,
            last_code=r.last_code,
            last_error=r.last_error,
            created_at=_aware(r.created_at) or utcnow(),
            finished_at=_aware(r.finished_at),
            log=attempts.get(r.id, []),
        )
        for r in rows
    ]


async def deliveries(event: Event, channel: str | None) -> list[DeliveryOut]:
    condition: Any = Outbox.event == event.id
    if channel is not None:
        condition = condition & (Outbox.channel == channel)
    return await delivery_log(condition)


async def outbox_state() -> dict[str, int]:
    """The outbox at a glance, for metrics: waiting rows, those on a retry, retries so far, given up."""
    from piccolo.query.functions.aggregate import Count

    pending = await Outbox.count().where(Outbox.status == "pending")
    retrying = await Outbox.count().where((Outbox.status == "pending") & (Outbox.attempts > 0))
    failed = await Outbox.count().where(Outbox.status == "failed")
    rows = await Outbox.select(Count(alias="n"), Outbox.attempts).where(Outbox.attempts > 1).group_by(Outbox.attempts)
    retries = sum((int(r["attempts"]) - 1) * int(r["n"]) for r in rows)
    return {"pending": pending, "retrying": retrying, "failed": failed, "retries": retries}
