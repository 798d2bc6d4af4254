"""Prometheus metrics through ``prometheus-client``; one registry across workers (its multiprocess mode).

``unconf serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory (``unconf.multiprocess``)
before prometheus-client is first imported and the workers start,
so each worker writes its samples there and a scrape on any worker reports the sum of all of them.
Services count what happened (``VOTES.inc()``); the request observer here counts every HTTP request by
its route template (never the raw path: slugs and secrets stay out of labels) and status.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from unconf.multiprocess import MULTIPROC_ENV

REQUESTS = Counter(
    "unconf_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "unconf_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VOTES = Counter("unconf_votes", "Dot changes stored (votes cast or moved)")
JOINS = Counter("unconf_joins", "People who joined an event")
LIVE_CLIENTS = Gauge("unconf_live_clients", "Open live-update WebSockets (boards, phones)", multiprocess_mode="livesum")
OPTIMIZER_RUNS = Counter("unconf_optimizer_runs", "Agenda optimizer runs, by outcome", ["outcome"])
OPTIMIZER_SECONDS = Histogram(
    "unconf_optimizer_duration_seconds",
    "Time an agenda optimizer run took",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
RATE_LIMITED = Counter("unconf_rate_limit_refusals", "Requests refused by a rate limit, by bucket", ["bucket"])


def exposition(extra: Callable[[CollectorRegistry], None] | None = None) -> tuple[bytes, str]:
    """The text format of every worker's samples (or this process's, outside multiprocess mode)."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        prometheus_multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry)
    if extra is not None:
        scrape_time = CollectorRegistry()
        extra(scrape_time)
        body += generate_latest(scrape_time)
    return body, CONTENT_TYPE_LATEST


@contextmanager
def timed_optimizer_run() -> Iterator[None]:
    """Count one optimizer run and its duration; a run that raises counts as ``failed``."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        OPTIMIZER_RUNS.labels(outcome="failed").inc()
        raise
    finally:
        OPTIMIZER_SECONDS.observe(time.perf_counter() - started)
    OPTIMIZER_RUNS.labels(outcome="done").inc()


class RequestObserver:
    """ASGI wrapper around the app's router: every HTTP request's route template, status and duration.

    It wraps routing itself, so a 404 for an unknown path is counted too (as route ``unmatched``).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            route = scope.get("path_template") or "unmatched"
            method = scope.get("method", "GET")
            REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            REQUEST_SECONDS.labels(route=route, method=method).observe(time.perf_counter() - started)
