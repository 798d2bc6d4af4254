"""One shape for the work a worker does on a clock (the autopilot, digests, retention).

Each is a coroutine run every few seconds for the app's lifetime: a failed round is logged and the
next one tries again (a locked database or one bad row must not stop the clock), and shutdown
cancels the loop and waits for it. Rounds that must happen once across workers take a lease or an
idempotent key inside their own ``tick``; this only keeps time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

log = logging.getLogger("unconf.periodic")


def every(
    name: str, tick: Callable[[], Awaitable[Any]], interval: Callable[[], float]
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that runs ``tick`` now and then each ``interval()`` seconds (read every round)."""

    async def loop() -> None:
        while True:
            try:
                await tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: the round failed; the next one tries again", name)
            await asyncio.sleep(interval())

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name=f"unconf-{name}")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return lifespan
