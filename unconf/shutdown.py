"""Graceful shutdown and rolling restarts: on SIGTERM, live sockets close with "service restart" first.

uvicorn stops on SIGTERM by closing its listening sockets, letting in-flight requests finish (up to
``GRACE_SECONDS``, set by ``unconf serve``) and then dropping connections. A WebSocket dropped that way
gets no reason. This lifespan wraps uvicorn's signal handler: it first closes this worker's live sockets
with 1012 and the reason ``service restart`` (pages reconnect by themselves, to another worker behind
the proxy), then hands the signal on to uvicorn.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from unconf import realtime

log = logging.getLogger("unconf.shutdown")
GRACE_SECONDS = 4  # in-flight requests get this long; the whole shutdown stays within 5 s
CLOSE_SECONDS = 1.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


@asynccontextmanager
async def graceful_shutdown(_: Any) -> AsyncIterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals belong to the main thread (a test client, not a server)
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    started: list[asyncio.Task[None]] = []

    def pass_on(sig: int, frame: FrameType | None) -> None:
        handler = previous[signal.Signals(sig)]
        if callable(handler):
            handler(sig, frame)

    async def close_then_pass_on(sig: int, frame: FrameType | None) -> None:
        try:
            closed = await asyncio.wait_for(realtime.close_live_sockets("service restart"), CLOSE_SECONDS)
            log.info("shutting down: closed %d live connections (service restart)", closed)
        except Exception:
            log.exception("could not close every live connection before shutting down")
        finally:
            pass_on(sig, frame)

    def on_signal(sig: int, frame: FrameType | None) -> None:
        if started:  # a second signal: no more waiting
            pass_on(sig, frame)
            return
        started.append(loop.create_task(close_then_pass_on(sig, frame)))

    for sig in SIGNALS:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
