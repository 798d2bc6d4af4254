"""Rate limits on join, propose and vote, per participant and per address.

Fixed one-minute windows. In one process the counters live in memory; with
``UNCONF_REDIS_URL`` they live in Redis so every worker counts together. Limits are
generous per address because a whole school joins from one Wi-Fi address.

Why not Litestar's ``RateLimitConfig``: it allows one rate per middleware, keyed by the
client address only, and counts per route. Here each action (join, propose, vote, create)
has its own limits, counted per participant as well as per address, and the API and its
page twin (``POST /votes`` and the vote form) must spend from the same budget; the Redis
counter is a single atomic ``INCR`` (Litestar's stores have no atomic increment).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Any

from unconf import metrics
from unconf.errors import RateLimited
from unconf.i18n import ngettext
from unconf.settings import get_settings

WINDOW = 60
# bucket -> (per participant, per address) allowed requests per minute
LIMITS: dict[str, tuple[int, int]] = {
    "create_event": (0, 30),
    "join": (0, 600),
    "propose": (20, 600),
    "vote": (240, 6000),
    "member_signin": (0, 30),
    "chat": (20, 1200),
    "note": (10, 600),
    "report": (20, 600),
    "operator_signin": (0, 10),
}


class _Memory:
    def __init__(self, max_keys: int = 100_000) -> None:
        self.counts: OrderedDict[str, int] = OrderedDict()
        self.max_keys = max_keys

    async def hit(self, key: str) -> int:
        count = self.counts.pop(key, 0) + 1
        self.counts[key] = count
        while len(self.counts) > self.max_keys:
            self.counts.popitem(last=False)
        return count


class _Redis:
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self.redis: Any = Redis.from_url(url)

    async def hit(self, key: str) -> int:
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW + 5)
        count, _expiry = await pipe.execute()
        return int(count)


_store: _Memory | _Redis | None = None


def _backend() -> _Memory | _Redis:
    global _store
    if _store is None:
        url = get_settings().redis_url
        _store = _Redis(url) if url else _Memory()
    return _store


async def check(bucket: str, *, address: str | None, participant: int | None = None) -> None:
    """Count one request; refuse with 429 once a key passes its limit for this minute."""
    scale = get_settings().rate_limit_scale
    if scale <= 0:
        return
    per_participant, per_address = LIMITS[bucket]
    now = time.time()
    window = int(now // WINDOW)
    retry_after = max(1, math.ceil((window + 1) * WINDOW - now))
    store = _backend()
    checks = []
    if participant is not None and per_participant:
        checks.append((f"unconf:rl:{bucket}:p:{participant}:{window}", per_participant, "participant"))
    if address and per_address:
        checks.append((f"unconf:rl:{bucket}:a:{address}:{window}", per_address, "address"))
    for key, limit, who in checks:
        if await store.hit(key) > limit * scale:
            metrics.RATE_LIMITED.labels(bucket=bucket).inc()
            if who == "participant":
                detail = ngettext(
                    "too many {bucket} requests from this participant; try again in {seconds} s",
                    "too many {bucket} requests from this participant; try again in {seconds} s",
                    retry_after,
                )
            else:
                detail = ngettext(
                    "too many {bucket} requests from this address; try again in {seconds} s",
                    "too many {bucket} requests from this address; try again in {seconds} s",
                    retry_after,
                )
            raise RateLimited(detail.format(bucket=bucket, seconds=retry_after), retry_after=retry_after)
