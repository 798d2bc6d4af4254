"""The publish storm's load: every person opens my agenda once, arriving at random within a window.

    python benchmarks/storm.py BASE requests.json GO_FILE WINDOW_SECONDS

Waits for GO_FILE to exist (the agenda has just been published), then each request in
requests.json (one per person, their own cookie) is sent on a new connection, as a phone would,
at a uniformly random moment within WINDOW_SECONDS. Open loop: a slow server does not slow the
arrivals. Prints one JSON line: served, failed, p50/p99/max latency and when the last one finished.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import build_requests, read_answer


async def main(base: str, specs: list[dict[str, Any]], go_file: Path, window: float) -> dict[str, float | int]:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = build_requests(host, port, specs)
    requests = [r.replace(b"Connection: keep-alive", b"Connection: close") for r in requests]
    rng = random.Random(19)
    arrivals = sorted(rng.uniform(0, window) for _ in requests)
    while not go_file.exists():  # noqa: ASYNC110, ASYNC240 - another process writes it
        await asyncio.sleep(0.005)
    start = time.perf_counter()
    latencies: list[float] = []
    failed = 0
    finished = 0.0

    async def one(raw: bytes, at: float) -> None:
        nonlocal failed, finished
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        sent = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(raw)
            status = await asyncio.wait_for(read_answer(reader), timeout=60)
            writer.close()
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            failed += 1
            return
        done = time.perf_counter()
        latencies.append(done - sent)
        finished = max(finished, done - start)
        if status != 200:
            failed += 1

    await asyncio.gather(*[one(raw, at) for raw, at in zip(requests, arrivals, strict=True)])
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else 0.0

    return {
        "people": len(requests),
        "window_s": window,
        "served": len(latencies) - failed if latencies else 0,
        "failed": failed,
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else 0.0,
        "last_done_s": round(finished, 2),
    }


if __name__ == "__main__":
    base, requests_file, go_file, window = sys.argv[1:5]
    specs = json.loads(Path(requests_file).read_text())
    print(json.dumps(asyncio.run(main(base, specs, Path(go_file), float(window)))))
