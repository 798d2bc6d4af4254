"""A district Saturday's load, in its own process: boards on every event, everyone voting at once.

    python benchmarks/district_load.py BASE_URL EVENTS_JSON --seconds 20 --boards 5 --voters 8

EVENTS_JSON lists the events (slug, tokens, proposal ids). For each event, ``--boards`` WebSocket
clients open the event's live socket (the kernel spreads them over the workers, so a vote taken by
one worker reaches boards on the other through Redis), and ``--voters`` concurrent loops cast and
take back dots with the event's tokens for ``--seconds``. Prints JSON: votes/s and latency, every
status seen, and what the boards saw — messages from another event (must be none) and, per
proposal, whether the last tally a board saw equals the stored tally read afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect


async def board(
    url: str,
    own: set[int],
    last: dict[int, int],
    foreign: list[int],
    opened: list[int],
    all_open: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    async with connect(url, max_queue=None, open_timeout=60) as ws:
        await ws.recv()  # hello
        opened[0] += 1
        if opened[0] == opened[1]:
            all_open.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            message = json.loads(raw)
            if message.get("type") != "vote.cast":
                continue
            pid = message["data"]["proposal_id"]
            if pid not in own:
                foreign.append(pid)
            else:
                last[pid] = message["data"]["votes"]


async def voter(
    http: httpx.AsyncClient, event: dict[str, Any], until: float, latencies: list[float], statuses: Counter[int]
) -> None:
    rng = random.Random()
    path = f"/api/v1/events/{event['slug']}/votes"
    while time.monotonic() < until:
        token = rng.choice(event["tokens"])
        body = {"proposal_id": rng.choice(event["ids"]), "dots": rng.randint(0, 1)}
        started = time.perf_counter()
        r = await http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        latencies.append(time.perf_counter() - started)
        statuses[r.status_code] += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("events", type=Path)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--boards", type=int, default=5, help="board clients per event")
    parser.add_argument("--voters", type=int, default=8, help="concurrent voting loops per event")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    events: list[dict[str, Any]] = json.loads(args.events.read_text())
    ws_base = args.base.replace("http://", "ws://")

    stop, all_open = asyncio.Event(), asyncio.Event()
    opened = [0, len(events) * args.boards]  # open so far, to open
    seen: list[dict[int, int]] = []
    foreign: list[list[int]] = []
    boards = []
    for event in events:
        for _ in range(args.boards):
            last: dict[int, int] = {}
            wrong: list[int] = []
            seen.append(last)
            foreign.append(wrong)
            url = f"{ws_base}/api/v1/events/{event['slug']}/live"
            boards.append(asyncio.create_task(board(url, set(event["ids"]), last, wrong, opened, all_open, stop)))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_open.wait(), timeout=120)

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    loops = len(events) * args.voters
    limits = httpx.Limits(max_connections=loops, max_keepalive_connections=loops)
    async with httpx.AsyncClient(base_url=args.base, timeout=60, limits=limits) as http:
        started = time.monotonic()
        until = started + args.seconds
        await asyncio.gather(*(voter(http, e, until, latencies, statuses) for e in events for _ in range(args.voters)))
        elapsed = time.monotonic() - started
        await asyncio.sleep(2)  # the last coalesced tally messages
        stop.set()
        for task in boards:
            with contextlib.suppress(Exception):
                await task
        # The stored tallies, read back through the API, against what each board saw last.
        stale = 0
        checked = 0
        for i, event in enumerate(events):
            r = await http.get(
                f"/api/v1/events/{event['slug']}/proposals",
                headers={"Authorization": f"Bearer {event['organizer_key']}"},
            )
            r.raise_for_status()
            stored = {p["id"]: p.get("votes", 0) for p in r.json()}
            for b in range(args.boards):
                last = seen[i * args.boards + b]
                for pid, votes in last.items():
                    checked += 1
                    stale += votes != stored.get(pid)
    print(
        json.dumps(
            {
                "events": len(events),
                "boards": len(boards),
                "boards_opened": opened[0],
                "voters": len(events) * args.voters,
                "seconds": round(elapsed, 1),
                "votes": len(latencies),
                "votes_per_s": round(len(latencies) / elapsed, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "foreign_messages": sum(len(f) for f in foreign),
                "board_tallies_checked": checked,
                "board_tallies_stale": stale,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
