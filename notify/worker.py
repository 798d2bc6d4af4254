"""The outbox worker: claims due rows with conditional updates and delivers them concurrently.

Started from the app's lifespan in every process; rows are claimed by moving ``next_attempt_at``
forward (a lease) only if it is still due, so several workers never send the same attempt and a
crashed worker's rows come back after the lease. A slow receiver holds one of ``CONCURRENCY``
slots until its timeout, never the loop, a request or the live board.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from notify.delivery import deliver
from notify.mail import SMTP_TIMEOUT
from notify.notices import scan_starting_sessions
from notify.outbox import Outcome, record
from notify.tables import Outbox
from notify.webhooks import WEBHOOK_TIMEOUT
from unconf.validation import utcnow

log = logging.getLogger("notify")
TICK_SECONDS = 0.5
SCAN_SECONDS = 5.0
CONCURRENCY = 16
LEASE = timedelta(seconds=max(WEBHOOK_TIMEOUT, SMTP_TIMEOUT) * 4)


class Worker:
    def __init__(self) -> None:
        self.inflight: set[asyncio.Task[None]] = set()
        self._last_scan = 0.0

    async def claim(self, limit: int) -> list[int]:
        """Ids of due rows this worker now holds the lease on."""
        now = utcnow()
        due = (
            await Outbox.select(Outbox.id)
            .where((Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
            .order_by(Outbox.next_attempt_at)
            .limit(limit)
        )
        claimed: list[int] = []
        for row in due:
            won = (
                await Outbox.update({Outbox.next_attempt_at: now + LEASE, Outbox.attempts: Outbox.attempts + 1})
                .where((Outbox.id == row["id"]) & (Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
                .returning(Outbox.id)
            )
            if won:
                claimed.append(row["id"])
        return claimed

    async def deliver_one(self, row_id: int) -> None:
        row = await Outbox.objects().where(Outbox.id == row_id).first()
        if row is None:
            return
        started = time.monotonic()
        try:
            outcome = await deliver(row)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one broken message must not stop the others; it is logged and retried
            log.exception("delivering outbox row %s failed", row_id)
            outcome = Outcome(False, note=f"{type(exc).__name__}: {exc}"[:500])
        try:
            await record(row, outcome, int((time.monotonic() - started) * 1000))
        except Exception:  # still pending: the row is tried again once its next attempt is due
            log.exception("recording the delivery of outbox row %s failed", row_id)

    def _start(self, row_id: int) -> None:
        task = asyncio.create_task(self.deliver_one(row_id), name=f"unconf-outbox-{row_id}")
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)

    async def tick(self) -> None:
        if time.monotonic() - self._last_scan >= SCAN_SECONDS:
            self._last_scan = time.monotonic()
            await scan_starting_sessions()
        room = CONCURRENCY - len(self.inflight)
        if room > 0:
            for row_id in await self.claim(room):
                self._start(row_id)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker keeps going whatever one tick does (a locked database, say)
                log.exception("notify worker tick failed")
            await asyncio.sleep(TICK_SECONDS)

    async def stop(self) -> None:
        for task in list(self.inflight):
            task.cancel()
        for task in list(self.inflight):
            with suppress(asyncio.CancelledError, Exception):
                await task


@asynccontextmanager
async def notify_lifespan(_: Any) -> AsyncIterator[None]:
    """Run the outbox worker for the app's lifetime; unfinished rows are picked up after a restart."""
    worker = Worker()
    task = asyncio.create_task(worker.run(), name="unconf-notify")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await worker.stop()
