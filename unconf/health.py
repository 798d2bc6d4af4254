"""Liveness and readiness, both cheap: load balancers and orchestrators poll them.

``/healthz``: the process answers (no database: a slow database must not get a live process restarted).
``/readyz``: this worker can serve: the database answers, every migration this code ships has run, and
Redis answers when ``UNCONF_REDIS_URL`` is set. A 503 names what is missing, so a rolling deploy waits.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any

from litestar import get
from litestar.response import Response
from piccolo.querystring import QueryString

from unconf.database import current_engine
from unconf.migrations import expected_migrations, pending_migrations
from unconf.settings import get_settings

log = logging.getLogger("unconf.health")
CHECK_SECONDS = 2.0
NO_STORE = {"Cache-Control": "no-store"}


@get("/healthz", include_in_schema=False, cache=False, sync_to_thread=False)
def healthz() -> Response[bytes]:
    return Response(b"ok\n", media_type="text/plain", headers=NO_STORE)


@lru_cache(maxsize=1)
def _shipped() -> frozenset[tuple[str, str]]:
    return frozenset(expected_migrations())


async def _database() -> str:
    await current_engine().run_querystring(QueryString("SELECT 1"))
    pending = await pending_migrations(set(_shipped()))
    if pending:
        return f"{len(pending)} migrations not applied (run 'unconf migrate')"
    return "ok"


async def _redis(url: str) -> str:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()
    return "ok"


async def _check(name: str, work: Any) -> str:
    try:
        return str(await asyncio.wait_for(work, CHECK_SECONDS))
    except Exception as exc:  # the answer says what failed; the log says why
        log.warning("readiness check %s failed: %s", name, type(exc).__name__)
        return f"unreachable ({type(exc).__name__})"


@get("/readyz", include_in_schema=False, cache=False)
async def readyz() -> Response[dict[str, Any]]:
    checks = {"database": await _check("database", _database())}
    redis_url = get_settings().redis_url
    if redis_url:
        checks["redis"] = await _check("redis", _redis(redis_url))
    ready = all(value == "ok" for value in checks.values())
    return Response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=NO_STORE,
    )
