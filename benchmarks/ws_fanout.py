"""Live fan-out load generator (its own process): N board clients on the WebSocket, then votes.

    python benchmarks/ws_fanout.py BASE_URL SLUG TOKEN PROPOSAL_ID --clients 2000 --votes 20

Prints JSON: for each vote, the time from its 201 to the moment the last client saw it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import statistics
import time

import httpx
from websockets.asyncio.client import connect


async def client(url: str, ready: asyncio.Event, counter: list[int], total: int, seen: Seen) -> None:
    async with connect(url, max_queue=None, open_timeout=120) as ws:
        await ws.recv()  # hello
        counter[0] += 1
        if counter[0] == total:
            ready.set()
        async for raw in ws:
            # Only tallies matter here; the cheap test keeps the client's share of the two cores small.
            if '"vote.cast"' in raw:
                seen.saw(json.loads(raw)["data"]["votes"], time.perf_counter())


class Seen:
    """When each client saw each tally; ``everyone`` is set once all clients saw the awaited one."""

    def __init__(self, clients: int) -> None:
        self.clients = clients
        self.times: dict[int, list[float]] = {}
        self.awaited: int | None = None
        self.everyone = asyncio.Event()

    def expect(self, votes: int) -> None:
        self.awaited = votes
        self.everyone.clear()
        if len(self.times.get(votes, [])) >= self.clients:
            self.everyone.set()

    def saw(self, votes: int, at: float) -> None:
        arrivals = self.times.setdefault(votes, [])
        arrivals.append(at)
        if votes == self.awaited and len(arrivals) >= self.clients:
            self.everyone.set()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("slug")
    parser.add_argument("token")
    parser.add_argument("proposal", type=int)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--votes", type=int, default=20)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    ws_url = args.base.replace("http://", "ws://") + f"/api/v1/events/{args.slug}/live"
    ready, counter = asyncio.Event(), [0]
    seen = Seen(args.clients)
    tasks = []
    for i in range(args.clients):
        tasks.append(asyncio.create_task(client(ws_url, ready, counter, args.clients, seen)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # do not open 2,000 sockets in one burst
    await asyncio.wait_for(ready.wait(), timeout=300)
    lags: list[float] = []
    async with httpx.AsyncClient(base_url=args.base, headers={"Authorization": f"Bearer {args.token}"}) as http:
        for n in range(args.votes):
            dots = 1 if n % 2 == 0 else 0
            response = await http.post(
                f"/api/v1/events/{args.slug}/votes", json={"proposal_id": args.proposal, "dots": dots}
            )
            acked = time.perf_counter()
            assert response.status_code == 201, response.text
            expected = response.json()["proposal_votes"]
            seen.expect(expected)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(seen.everyone.wait(), timeout=30)
            arrivals = seen.times.pop(expected, [])
            if len(arrivals) < args.clients:
                raise SystemExit(f"only {len(arrivals)} of {args.clients} clients saw vote {n}")
            lags.append(max(0.0, max(arrivals) - acked))
            await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    lags.sort()
    print(
        json.dumps(
            {
                "clients": args.clients,
                "votes": args.votes,
                "p50_ms": round(statistics.median(lags) * 1000, 1),
                "p99_ms": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000, 1),
                "max_ms": round(lags[-1] * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
