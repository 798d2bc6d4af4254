"""Service benchmarks on this machine, loopback only, every run bounded.

    python benchmarks/bench_service.py                       # everything, SQLite and PostgreSQL
    python benchmarks/bench_service.py --only votes,reads    # a part
    python benchmarks/bench_service.py --stacks sqlite --workers 1

Measures: votes/s sustained with p50/p99 latency (wrk, a Lua script rotating 400 people's
tokens), cached reads/s of the board and agenda against the no-database ceiling (the
OpenAPI schema route), live fan-out to 1,000 and 2,000 WebSocket clients (time from a
vote's 201 to the last client seeing it; benchmarks/ws_fanout.py in its own process), and a
whole 1,500-person morning through the API. Needs wrk (apt-get install wrk) for the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
DURATION = 10
CONNECTIONS = 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_postgres() -> str:
    import asyncpg

    name = f"unconf_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    asyncio.run(create())
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


class Service:
    def __init__(self, stack: str, workers: int, tmp: Path, profile: Path | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        database = fresh_postgres() if stack == "postgres" else f"sqlite:///{tmp / f'bench-{self.port}.sqlite'}"
        env = {
            **os.environ,
            "UNCONF_DATABASE_URL": database,
            "UNCONF_PORT": str(self.port),
            "UNCONF_RATE_LIMIT_SCALE": "0",
            "UNCONF_BASE_URL": self.base,
        }
        if workers > 1 or stack == "postgres":
            env["UNCONF_REDIS_URL"] = "redis://127.0.0.1:6379/0"
        self.log = (tmp / f"server-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                *(["-m", "cProfile", "-o", str(profile)] if profile else []),
                "-m",
                "unconf.cli",
                "serve",
                "--workers",
                str(workers),
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/schema/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def api(base: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base, headers=headers, timeout=120)


def voting_event(base: str, people: int = 400, proposals: int = 20) -> tuple[str, list[str], list[int], str]:
    with api(base) as anon:
        created = anon.post(
            "/api/v1/events",
            json={"title": "Bench", "start_date": "2099-06-06", "organizer_name": "B"},
        ).json()
        slug, code, key = created["event"]["slug"], created["event"]["join_code"], created["organizer_key"]
        with api(base, key) as org:
            org.post(f"/api/v1/events/{slug}/phase", json={"phase": "proposals"})
            ids = [
                org.post(f"/api/v1/events/{slug}/proposals", json={"title": f"T{i}"}).json()["id"]
                for i in range(proposals)
            ]
            tokens = [
                anon.post(f"/api/v1/events/{slug}/join", json={"display_name": f"P{i}", "join_code": code}).json()[
                    "token"
                ]
                for i in range(people)
            ]
            org.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"})
    return slug, tokens, ids, key


LUA_VOTES = """
local tokens = {%(tokens)s}
local proposals = {%(proposals)s}
local counter = 0
local offset = 0
function setup(thread)
  thread:set("offset", math.random(1, 100000))
end
function init(args)
  offset = tonumber(wrk.thread:get("offset")) or 0
end
function request()
  counter = counter + 1
  local i = counter + offset
  local token = tokens[(i %% #tokens) + 1]
  local pid = proposals[(i %% #proposals) + 1]
  local dots = math.floor(i / #tokens) %% 2
  local body = '{"proposal_id": ' .. pid .. ', "dots": ' .. dots .. '}'
  return wrk.format("POST", "/api/v1/events/%(slug)s/votes",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
"""


def parse_wrk(output: str) -> dict[str, Any]:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "per_second": round(rate),
        "p50_ms": round(ms(percentiles["50"]), 2),
        "p99_ms": round(ms(percentiles["99"]), 2),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def wrk(url: str, script: Path | None = None, *, headers: list[str] | None = None) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", "--timeout", "10s"]
    for header in headers or []:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=DURATION + 60).stdout
    return parse_wrk(output)


def bench_votes(service: Service, tmp: Path) -> dict[str, Any]:
    slug, tokens, ids, key = voting_event(service.base)
    script = tmp / f"votes-{service.port}.lua"
    script.write_text(
        LUA_VOTES
        % {
            "tokens": ", ".join(f'"{t}"' for t in tokens),
            "proposals": ", ".join(map(str, ids)),
            "slug": slug,
        }
    )
    result = wrk(service.base + "/", script)
    # The tally equals the stored votes after the storm.
    with api(service.base, key) as org:
        proposals = org.get(f"/api/v1/events/{slug}/proposals").json()
        stored = 0
        for token in tokens[:50]:
            with api(service.base, token) as person:
                mine = person.get(f"/api/v1/events/{slug}/votes/me").json()
                assert sum(v["dots"] for v in mine["votes"]) <= 5
        stored = sum(p["votes"] for p in proposals)
    result["tally_after"] = stored
    return result


def bench_reads(service: Service) -> dict[str, Any]:
    slug, _, ids, _ = voting_event(service.base, people=50, proposals=30)
    ceiling = wrk(service.base + "/schema/openapi.json")
    proposals = wrk(service.base + f"/api/v1/events/{slug}/proposals")
    event = wrk(service.base + f"/api/v1/events/{slug}")
    return {
        "ceiling_per_second": ceiling["per_second"],
        "proposals_per_second": proposals["per_second"],
        "event_per_second": event["per_second"],
        "proposals_ratio": round(proposals["per_second"] / ceiling["per_second"], 2),
        "event_ratio": round(event["per_second"] / ceiling["per_second"], 2),
        "p99_ms": proposals["p99_ms"],
        "proposals_listed": len(ids),
    }


def bench_agenda_reads(service: Service) -> dict[str, Any]:
    slug, tokens, ids, key = voting_event(service.base, people=60, proposals=24)
    with api(service.base, key) as org:
        for i in range(2):
            org.post(f"/api/v1/events/{slug}/rooms", json={"name": f"R{i}", "capacity": 30})
        for hour in (9, 10, 11):
            org.post(
                f"/api/v1/events/{slug}/slots",
                json={"starts_at": f"2099-06-06T{hour:02d}:00", "ends_at": f"2099-06-06T{hour:02d}:45"},
            )
        for token, pid in zip(tokens, ids * 3, strict=False):
            with api(service.base, token) as person:
                person.post(f"/api/v1/events/{slug}/votes", json={"proposal_id": pid})
        org.post(f"/api/v1/events/{slug}/agenda/build", json={"time_limit": 1})
        org.post(f"/api/v1/events/{slug}/agenda/publish")
    ceiling = wrk(service.base + "/schema/openapi.json")
    agenda = wrk(service.base + f"/api/v1/events/{slug}/agenda")
    return {
        "ceiling_per_second": ceiling["per_second"],
        "agenda_per_second": agenda["per_second"],
        "agenda_ratio": round(agenda["per_second"] / ceiling["per_second"], 2),
        "p99_ms": agenda["p99_ms"],
    }


def bench_fanout(service: Service, clients: int) -> dict[str, Any]:
    slug, tokens, ids, _ = voting_event(service.base, people=5, proposals=2)
    output = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "ws_fanout.py"),
            "--clients",
            str(clients),
            "--votes",
            "20",
            "--",  # a token may start with "-"
            service.base,
            slug,
            tokens[0],
            str(ids[0]),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if output.returncode != 0:
        return {"error": output.stderr[-500:] or output.stdout[-500:]}
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


async def morning(base: str, attendees: int = 1500) -> dict[str, float]:
    """Join, 4 proposals per 10 people, 5 dots each, build, publish — through the API, 50 at a time."""
    timings: dict[str, float] = {}
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as http:
        start = time.perf_counter()
        created = (
            await http.post(
                "/api/v1/events",
                # 1,500 people is past the free tier's 1,000: the paid tier, as a district would use.
                json={"title": "Big morning", "start_date": "2099-06-06", "organizer_name": "O", "tier": "paid"},
            )
        ).json()
        slug, code = created["event"]["slug"], created["event"]["join_code"]
        org = {"Authorization": f"Bearer {created['organizer_key']}"}
        for i in range(25):
            await http.post(
                f"/api/v1/events/{slug}/rooms", headers=org, json={"name": f"Room {i}", "capacity": 20 + 5 * (i % 8)}
            )
        for hour in range(9, 15):
            await http.post(
                f"/api/v1/events/{slug}/slots",
                headers=org,
                json={"starts_at": f"2099-06-06T{hour:02d}:00", "ends_at": f"2099-06-06T{hour:02d}:50"},
            )
        await http.post(f"/api/v1/events/{slug}/phase", headers=org, json={"phase": "proposals"})
        semaphore = asyncio.Semaphore(50)

        async def call(method: str, path: str, token: str | None, body: Any) -> Any:
            async with semaphore:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = await http.request(method, path, json=body, headers=headers)
                assert response.status_code < 300, response.text
                return response.json()

        t = time.perf_counter()
        joined = await asyncio.gather(
            *[
                call("POST", f"/api/v1/events/{slug}/join", None, {"display_name": f"Teacher {i}", "join_code": code})
                for i in range(attendees)
            ]
        )
        tokens = [j["token"] for j in joined]
        timings["join_s"] = time.perf_counter() - t
        t = time.perf_counter()
        proposals = await asyncio.gather(
            *[
                call("POST", f"/api/v1/events/{slug}/proposals", tokens[i], {"title": f"Topic {i}"})
                for i in range(0, attendees, 10)
                for _ in range(4)
            ]
        )
        ids = [p["id"] for p in proposals]
        timings["propose_s"] = time.perf_counter() - t
        await http.post(f"/api/v1/events/{slug}/phase", headers=org, json={"phase": "voting"})
        t = time.perf_counter()
        import random

        rng = random.Random(1)
        await asyncio.gather(
            *[
                call("POST", f"/api/v1/events/{slug}/votes", token, {"proposal_id": pid})
                for token in tokens
                for pid in rng.sample(ids, 5)
            ]
        )
        timings["vote_s"] = time.perf_counter() - t
        t = time.perf_counter()
        build = await http.post(f"/api/v1/events/{slug}/agenda/build", headers=org, json={"time_limit": 3})
        assert build.status_code == 201, build.text
        timings["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        published = await http.post(f"/api/v1/events/{slug}/agenda/publish", headers=org)
        assert published.status_code == 201, published.text
        timings["publish_s"] = time.perf_counter() - t
        timings["total_s"] = time.perf_counter() - start
        timings["sessions"] = len(published.json()["sessions"])
    return {k: round(v, 2) for k, v in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--only", default="votes,reads,fanout,morning")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    parts = set(args.only.split(","))
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for stack in args.stacks.split(","):
            for workers in map(int, args.workers.split(",")):
                service = Service(stack, workers, tmp)
                try:
                    row: dict[str, Any] = {"stack": stack, "workers": workers}
                    if "votes" in parts:
                        row["votes"] = bench_votes(service, tmp)
                    if "reads" in parts:
                        row["reads"] = bench_reads(service)
                        row["agenda_reads"] = bench_agenda_reads(service)
                    if "fanout" in parts and workers == 1:
                        row["fanout_1000"] = bench_fanout(service, 1000)
                        row["fanout_2000"] = bench_fanout(service, 2000)
                    if "morning" in parts and workers == 1:
                        try:
                            row["morning_1500"] = asyncio.run(morning(service.base))
                        except Exception as exc:  # record it and keep the other figures
                            log_tail = (tmp / f"server-{service.port}.log").read_text(errors="replace")[-1500:]
                            row["morning_1500"] = {"error": f"{type(exc).__name__}: {exc}", "server_log": log_tail}
                    results.append(row)
                    print(json.dumps(row), flush=True)
                finally:
                    service.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
