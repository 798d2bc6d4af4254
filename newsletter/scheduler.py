"""The loop that queues members' digests and the newsletter's weekly issues, in every worker.

It only inserts outbox rows with idempotent keys; notify's worker sends them. So two workers, or a
restart in the middle of a period, still give each member one digest per period and each week one issue.
"""

from __future__ import annotations

from newsletter.services import now, schedule_digests, schedule_issues
from unconf import periodic
from unconf.settings import get_settings


async def tick() -> None:
    at = now()
    await schedule_digests(at)
    await schedule_issues(at)


newsletter_lifespan = periodic.every("newsletter", tick, lambda: get_settings().digest_interval_seconds)
"""Digests and weekly issues, looked for by every worker; the outbox's keys make each go out once."""
