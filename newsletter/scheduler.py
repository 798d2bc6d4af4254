"""The loop that queues members' digests and the newsletter's weekly issues, in every worker.

It only inserts outbox rows with idempotent keys; notify's worker sends them. So two workers, or a
restart in the middle of a period, still give each member one digest per period and each week one issue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from newsletter.services import now, schedule_digests, schedule_issues
from unconf.settings import get_settings

log = logging.getLogger("newsletter")


async def tick() -> None:
    at = now()
    await schedule_digests(at)
    await schedule_issues(at)


async def run() -> None:
    while True:
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception:  # a locked database or a bad row must not end the loop; the next tick tries again
            log.exception("newsletter scheduler tick failed")
        await asyncio.sleep(get_settings().digest_interval_seconds)


@asynccontextmanager
async def newsletter_lifespan(_: Any) -> AsyncIterator[None]:
    task = asyncio.create_task(run(), name="unconf-newsletter")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
