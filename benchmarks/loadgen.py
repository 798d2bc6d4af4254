"""A small closed-loop HTTP/1.1 load generator for when wrk is not installed (loopback only).

    python benchmarks/loadgen.py --connections 32 --duration 10 requests.json

``requests.json`` is a list of ``{"path": ..., "headers": {...}}``; each connection sends them in
turn (starting at a different one), waits for the whole answer, and sends the next on the same
keep-alive connection, like wrk. Prints one JSON line: requests/s, p50/p99 in ms, non-2xx/3xx
answers and socket errors. Runs in its own process so the server's CPU is not the client's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit


async def read_answer(reader: asyncio.StreamReader) -> int:
    """Read one whole response (Content-Length or chunked); returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def connection(
    host: str, port: int, requests: list[bytes], start: int, until: float, latencies: list[float], tally: dict[str, int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.perf_counter() < until:
            raw = requests[i % len(requests)]
            i += 1
            sent = time.perf_counter()
            writer.write(raw)
            status = await read_answer(reader)
            latencies.append(time.perf_counter() - sent)
            if status >= 400:
                tally["non_2xx"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        tally["socket_errors"] += 1
    finally:
        writer.close()


def build_requests(host: str, port: int, specs: list[dict[str, Any]]) -> list[bytes]:
    built = []
    for spec in specs:
        headers = {"Host": f"{host}:{port}", "Connection": "keep-alive", **spec.get("headers", {})}
        lines = [f"GET {spec['path']} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
        built.append(("\r\n".join(lines) + "\r\n\r\n").encode())
    return built


async def run(base: str, specs: list[dict[str, Any]], connections: int, duration: float) -> dict[str, Any]:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = build_requests(host, port, specs)
    latencies: list[float] = []
    tally = {"non_2xx": 0, "socket_errors": 0}
    began = time.perf_counter()
    until = began + duration
    await asyncio.gather(
        *[connection(host, port, requests, n * 7, until, latencies, tally) for n in range(connections)]
    )
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else 0.0

    return {
        "per_second": round(len(latencies) / elapsed),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "requests": len(latencies),
        **tally,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("base")
    parser.add_argument("requests")
    args = parser.parse_args()
    with open(args.requests) as f:
        specs = json.load(f)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args.base, specs, args.connections, args.duration))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
