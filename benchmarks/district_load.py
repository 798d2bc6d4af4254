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
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import read_answer


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
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                if stop.is_set():
                    break  # the voting is over and nothing more came for half a second: caught up
                continue
            message = json.loads(raw)
            if message.get("type") != "vote.cast":
                continue
            pid = message["data"]["proposal_id"]
            if pid not in own:
                foreign.append(pid)
            else:
                last[pid] = message["data"]["votes"]


def vote_request(host: str, port: int, slug: str, token: str, proposal: int, dots: int) -> bytes:
    body = json.dumps({"proposal_id": proposal, "dots": dots}).encode()
    head = (
        f"POST /api/v1/events/{slug}/votes HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def voter(
    host: str, port: int, event: dict[str, Any], until: float, latencies: list[float], statuses: Counter[int]
) -> None:
    """One keep-alive connection casting or taking back a random dot with a random person's token.

    Raw HTTP/1.1 on a socket (as benchmarks/loadgen.py): an HTTP client library in this one process
    cost more CPU per request than the two workers it was measuring.
    """
    rng = random.Random()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < until:
            raw = vote_request(
                host, port, event["slug"], rng.choice(event["tokens"]), rng.choice(event["ids"]), rng.randint(0, 1)
            )
            started = time.perf_counter()
            writer.write(raw)
            status = await read_answer(reader)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
    finally:
        writer.close()


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
    parts = urlsplit(args.base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    async with httpx.AsyncClient(base_url=args.base, timeout=60) as http:
        started = time.monotonic()
        until = started + args.seconds
        await asyncio.gather(
            *(voter(host, port, e, until, latencies, statuses) for e in events for _ in range(args.voters))
        )
        elapsed = time.monotonic() - started
        await asyncio.sleep(3)  # the last coalesced tally messages, and each worker's settling one
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
