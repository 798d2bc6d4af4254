"""What a crowd loads, side by side with ``GET /healthz`` on the same server in the same run.

    python benchmarks/bench_crowd.py                      # every crowd route, SQLite, one worker
    python benchmarks/bench_crowd.py --only agenda_page,board_state --duration 5
    python benchmarks/bench_crowd.py --load python        # the bundled load generator instead of wrk
    python benchmarks/bench_crowd.py --storm              # also the publish storm (1,500 tokens)

One uvicorn (``unconf serve``) on 127.0.0.1 with a fresh SQLite file; load from another process
(wrk with a Lua script rotating the requests when installed, else ``benchmarks/loadgen.py``), 32
connections. Two events: one in voting (300 people, 30 proposals, dots spent) for the proposals,
vote and board pages; one published (300 people, 6 rooms by 5 slots) for the agenda pages and files.
Personal routes rotate through the people's own cookies, tokens and feed secrets, so a cache keyed
by person is exercised as 300 different people, not one. Each route's rate is shown as a ratio to
the /healthz rate measured in between (the mean of the measures before and after the route).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_service import LUA_VOTES, Service, api, parse_wrk
from bench_service import voting_event as vote_storm_event

REPO = Path(__file__).resolve().parent.parent
COOKIE_PREFIX = "unconf_t_"
PEOPLE = 300
OPERATOR_KEY = "bench-operator-key-" + "k" * 32


async def post_retrying(http: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
    """Set-up requests survive the server closing an idle keep-alive connection as the client reuses it."""
    for attempt in range(5):
        try:
            return await http.post(path, **kwargs)
        except httpx.TransportError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.2)
    raise AssertionError("unreachable")


def people(base: str, slug: str, code: str, count: int) -> list[str]:
    async def go() -> list[str]:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            sem = asyncio.Semaphore(16)

            async def one(i: int) -> str:
                async with sem:
                    r = await post_retrying(
                        http, f"/api/v1/events/{slug}/join", json={"display_name": f"Person {i}", "join_code": code}
                    )
                    r.raise_for_status()
                    return str(r.json()["token"])

            return list(await asyncio.gather(*[one(i) for i in range(count)]))

    return asyncio.run(go())


def spend_dots(base: str, slug: str, tokens: list[str], ids: list[int], dots: int = 3) -> None:
    async def go() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            sem = asyncio.Semaphore(16)

            async def one(n: int, token: str) -> None:
                async with sem:
                    for k in range(dots):
                        await post_retrying(
                            http,
                            f"/api/v1/events/{slug}/votes",
                            headers={"Authorization": f"Bearer {token}"},
                            json={"proposal_id": ids[(n * 7 + k * 11) % len(ids)]},
                        )

            await asyncio.gather(*[one(n, t) for n, t in enumerate(tokens)])

    asyncio.run(go())


def new_event(base: str, title: str) -> tuple[str, str, str]:
    with api(base) as anon:
        created = anon.post(
            "/api/v1/events", json={"title": title, "start_date": "2099-06-06", "organizer_name": "Org"}
        ).json()
    return created["event"]["slug"], created["event"]["join_code"], created["organizer_key"]


def voting_event(base: str) -> dict[str, Any]:
    slug, code, key = new_event(base, "Crowd voting")
    with api(base, key) as org:
        org.post(f"/api/v1/events/{slug}/phase", json={"phase": "proposals"})
        ids = [
            org.post(f"/api/v1/events/{slug}/proposals", json={"title": f"Topic {i}", "description": "x" * 200}).json()[
                "id"
            ]
            for i in range(30)
        ]
        tokens = people(base, slug, code, PEOPLE)
        org.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"})
    spend_dots(base, slug, tokens, ids)
    return {"slug": slug, "tokens": tokens, "ids": ids, "key": key}


def published_event(base: str) -> dict[str, Any]:
    slug, code, key = new_event(base, "Crowd agenda")
    with api(base, key) as org:
        for i in range(6):
            org.post(f"/api/v1/events/{slug}/rooms", json={"name": f"Room {i}", "capacity": 60})
        for hour in range(9, 14):
            org.post(
                f"/api/v1/events/{slug}/slots",
                json={"starts_at": f"2099-06-06T{hour:02d}:00", "ends_at": f"2099-06-06T{hour:02d}:45"},
            )
        org.post(f"/api/v1/events/{slug}/phase", json={"phase": "proposals"})
        ids = [
            org.post(
                f"/api/v1/events/{slug}/proposals", json={"title": f"Session {i}", "description": "y" * 200}
            ).json()["id"]
            for i in range(30)
        ]
        tokens = people(base, slug, code, PEOPLE)
        org.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"})
        spend_dots(base, slug, tokens, ids)
        built = org.post(f"/api/v1/events/{slug}/agenda/build", json={"time_limit": 1})
        assert built.status_code == 201, built.text
        published = org.post(f"/api/v1/events/{slug}/agenda/publish")
        assert published.status_code == 201, published.text
    feeds = []
    for token in tokens[:100]:
        with api(base, token) as person:
            feeds.append(person.post(f"/api/v1/events/{slug}/feed").json()["https_url"].split("/feed/")[1])
    return {"slug": slug, "tokens": tokens, "ids": ids, "key": key, "feeds": feeds}


def side_by_side(
    base: str, name: str, table: dict[str, list[dict[str, Any]]], tmp: Path, load: str, duration: int, rounds: int
) -> dict[str, Any]:
    """The route and /healthz in turn, ``rounds`` times each: a machine whose load changes shifts both alike.

    The rate and ratio are over all rounds; p50/p99 are the median of the rounds' percentiles.
    """
    route: list[dict[str, Any]] = []
    health: list[dict[str, Any]] = []
    for _ in range(rounds):
        health.append(measure(base, "healthz", table["healthz"], tmp, load, duration))
        route.append(measure(base, name, table[name], tmp, load, duration))

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    rate = sum(r["per_second"] for r in route) / rounds
    ceiling = sum(h["per_second"] for h in health) / rounds
    return {
        "per_second": round(rate),
        "p50_ms": median([r["p50_ms"] for r in route]),
        "p99_ms": median([r["p99_ms"] for r in route]),
        "non_2xx": sum(r["non_2xx"] for r in route),
        "socket_errors": "; ".join(r["socket_errors"] for r in route if r["socket_errors"]),
        "healthz_per_second": round(ceiling),
        "healthz_p99_ms": median([h["p99_ms"] for h in health]),
        "ratio": round(rate / ceiling, 2) if ceiling else 0,
    }


def cookie(slug: str, token: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_PREFIX}{slug}={token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def routes(voting: dict[str, Any], agenda: dict[str, Any], favicon: str) -> dict[str, list[dict[str, Any]]]:
    """Route name → the requests it rotates through (path and headers)."""
    v, a = voting["slug"], agenda["slug"]

    def each(slug: str, tokens: list[str], path: str, how: Any) -> list[dict[str, Any]]:
        return [{"path": path, "headers": how(slug, t) if how is cookie else how(t)} for t in tokens]

    return {
        "healthz": [{"path": "/healthz"}],
        "api_event": [{"path": f"/api/v1/events/{a}"}],
        "api_agenda": [{"path": f"/api/v1/events/{a}/agenda"}],
        "agenda_page": each(a, agenda["tokens"], f"/e/{a}/agenda", cookie),
        "agenda_page_gzip": [
            {"path": f"/e/{a}/agenda", "headers": {**cookie(a, t), "Accept-Encoding": "gzip, deflate, br"}}
            for t in agenda["tokens"]
        ],
        "proposals_page": each(v, voting["tokens"], f"/e/{v}/proposals", cookie),
        "vote_page": each(v, voting["tokens"], f"/e/{v}/vote", cookie),
        "board_voting": [{"path": f"/e/{v}/board"}],
        "board_state_voting": [{"path": f"/e/{v}/board/state"}],
        "board_agenda": [{"path": f"/e/{a}/board"}],
        "board_state_agenda": [{"path": f"/e/{a}/board/state"}],
        "agenda_ics": [{"path": f"/e/{a}/agenda.ics"}],
        "me_ics": each(a, agenda["tokens"], f"/e/{a}/me.ics", bearer),
        "feed_ics": [{"path": f"/e/{a}/feed/{secret}"} for secret in agenda["feeds"]],
        "schedule_xml": [{"path": f"/e/{a}/schedule.xml"}],
        "schedule_json": [{"path": f"/e/{a}/schedule.json"}],
        "print_agenda": [{"path": f"/e/{a}/print/agenda"}],
        "favicon": [{"path": favicon}],
        "favicon_gzip": [{"path": favicon, "headers": {"Accept-Encoding": "gzip, deflate, br"}}],
    }


LUA = """
local items = %(items)s
local reqs = {}
local i = 0
function init(args)
  for k, v in ipairs(items) do reqs[k] = wrk.format("GET", v[1], v[2]) end
  i = math.random(0, #reqs - 1)
end
function request()
  i = (i %% #reqs) + 1
  return reqs[i]
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def measure(base: str, name: str, specs: list[dict[str, Any]], tmp: Path, load: str, duration: int) -> dict[str, Any]:
    if load == "wrk":
        items = (
            "{"
            + ", ".join(
                "{"
                + lua_string(s["path"])
                + ", {"
                + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in s.get("headers", {}).items())
                + "}}"
                for s in specs
            )
            + "}"
        )
        script = tmp / f"{name}.lua"
        script.write_text(LUA % {"items": items})
        command = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", "--timeout", "10s", "-s", str(script), base]
        output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout
        return parse_wrk(output)
    requests = tmp / f"{name}.json"
    requests.write_text(json.dumps(specs))
    command = [
        sys.executable,
        str(REPO / "benchmarks" / "loadgen.py"),
        "--connections",
        "32",
        "--duration",
        str(duration),
        base,
        str(requests),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def favicon_path(base: str, slug: str) -> str:
    """The favicon as the pages link it (its content-hashed name where assets have one)."""
    html = httpx.get(f"{base}/e/{slug}/board", timeout=30).text
    found = re.search(r'href="(/(?:static|assets)/favicon[^"]*)"', html)
    return found.group(1) if found else "/static/favicon.svg"


def storm(base: str, tmp: Path, tokens_wanted: int = 1500, window: float = 10.0) -> dict[str, Any]:
    """Publish, then every one of 1,500 people loads my agenda within ``window`` seconds (its own process)."""
    slug, code, key = new_event(base, "Publish storm")
    with api(base, OPERATOR_KEY) as operator:  # past the free tier's 1,000 people
        changed = operator.put(f"/api/v1/operator/events/{slug}/tier", json={"tier": "paid"})
        assert changed.status_code == 200, changed.text
    with api(base, key) as org:
        for i in range(8):
            org.post(f"/api/v1/events/{slug}/rooms", json={"name": f"Room {i}", "capacity": 200})
        for hour in range(9, 14):
            org.post(
                f"/api/v1/events/{slug}/slots",
                json={"starts_at": f"2099-06-06T{hour:02d}:00", "ends_at": f"2099-06-06T{hour:02d}:45"},
            )
        org.post(f"/api/v1/events/{slug}/phase", json={"phase": "proposals"})
        ids = [org.post(f"/api/v1/events/{slug}/proposals", json={"title": f"S{i}"}).json()["id"] for i in range(40)]
    tokens = people(base, slug, code, tokens_wanted)
    with api(base, key) as org:
        org.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"})
    spend_dots(base, slug, tokens, ids, dots=2)
    with api(base, key) as org:
        built = org.post(f"/api/v1/events/{slug}/agenda/build", json={"time_limit": 2})
        assert built.status_code == 201, built.text
    specs = [{"path": f"/e/{slug}/agenda", "headers": cookie(slug, t)} for t in tokens]
    requests = tmp / "storm.json"
    requests.write_text(json.dumps(specs))
    # The storm process waits for the go file, so it is ready (imported, connected) before the publish.
    go = tmp / "storm.go"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "storm.py"), base, str(requests), str(go), str(window)],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)
    with api(base, key) as org:
        published = org.post(f"/api/v1/events/{slug}/agenda/publish")
        assert published.status_code == 201, published.text
    go.write_text("go")
    out, _ = process.communicate(timeout=300)
    return dict(json.loads(out.strip().splitlines()[-1]))


def votes(base: str, tmp: Path, duration: int) -> dict[str, Any]:
    """bench_service's vote load (400 people, 20 proposals), next to /healthz on the same server."""
    slug, tokens, ids, _ = vote_storm_event(base)
    script = tmp / "votes.lua"
    script.write_text(
        LUA_VOTES % {"tokens": ", ".join(f'"{t}"' for t in tokens), "proposals": ", ".join(map(str, ids)), "slug": slug}
    )
    health = [measure(base, "healthz", [{"path": "/healthz"}], tmp, "wrk", duration)]
    command = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", "--timeout", "10s", "-s", str(script), base]
    row = parse_wrk(subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout)
    health.append(measure(base, "healthz", [{"path": "/healthz"}], tmp, "wrk", duration))
    ceiling = sum(h["per_second"] for h in health) / 2
    row["healthz_per_second"] = round(ceiling)
    row["healthz_p99_ms"] = max(h["p99_ms"] for h in health)
    row["ratio"] = round(row["per_second"] / ceiling, 2)
    return row


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fanout(base: str, pid: int, clients: int) -> dict[str, Any]:
    """ws_fanout.py in its own process: ``clients`` boards, 20 votes; the server's memory while they are connected."""
    slug, tokens, ids, _ = vote_storm_event(base, people=5, proposals=2)
    idle = rss_mib(pid)
    command = [
        sys.executable,
        str(REPO / "benchmarks" / "ws_fanout.py"),
        "--clients",
        str(clients),
        "--votes",
        "20",
        "--",  # a token may start with "-"
        base,
        slug,
        tokens[0],
        str(ids[0]),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = idle
    while process.poll() is None:
        peak = max(peak, rss_mib(pid))
        time.sleep(0.2)
    out, err = process.communicate()
    if process.returncode != 0:
        return {"clients": clients, "error": (err or out)[-500:]}
    row = dict(json.loads(out.strip().splitlines()[-1]))
    row["server_rss_idle_mib"] = round(idle, 1)
    row["server_rss_peak_mib"] = round(peak, 1)
    row["server_mib_per_1000_clients"] = round((peak - idle) / clients * 1000, 1)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated route names (default: all)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measure")
    parser.add_argument("--rounds", type=int, default=1, help="route and /healthz in turn, this many times each")
    parser.add_argument("--load", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--storm", action="store_true", help="also run the publish storm")
    parser.add_argument("--storm-only", action="store_true")
    parser.add_argument("--fanout-only", action="store_true", help="only the live fan-out (with --fanout)")
    parser.add_argument("--votes", action="store_true", help="also votes/s (wrk), between two /healthz runs")
    parser.add_argument(
        "--fanout", default="", help="also live fan-out: CLIENTS[xRUNS],... e.g. 2000x3,5000 (ws_fanout.py)"
    )
    parser.add_argument("--out", default="", help="also write the results as JSON here")
    parser.add_argument("--profile", default="", help="run the server under cProfile, written here on exit")
    args = parser.parse_args()
    results: dict[str, Any] = {"load": args.load, "connections": 32, "duration_s": args.duration}
    results["load_average_before"] = os.getloadavg()  # other work on the machine shifts every figure
    os.environ["UNCONF_OPERATOR_KEY"] = OPERATOR_KEY
    # Every board client comes from 127.0.0.1 here; the per-address cap (2,000) would refuse the 5,000 run.
    os.environ.setdefault("UNCONF_LIVE_MAX_PER_ADDRESS", "20000")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        service = Service("sqlite", 1, tmp, profile=Path(args.profile).resolve() if args.profile else None)
        try:
            if not (args.storm_only or args.fanout_only):
                t = time.perf_counter()
                voting = voting_event(service.base)
                agenda = published_event(service.base)
                results["setup_s"] = round(time.perf_counter() - t, 1)
                table = routes(voting, agenda, favicon_path(service.base, agenda["slug"]))
                wanted = [n for n in table if not args.only or n in args.only.split(",")]
                # Warm up: every request once (templates compiled; each person's page made once, as the
                # first load after a change does; the publish storm measures those first loads).
                with httpx.Client(base_url=service.base, timeout=60) as http:
                    for name in wanted:
                        for spec in table[name]:
                            http.get(spec["path"], headers=spec.get("headers", {}))
                rows: dict[str, Any] = {}
                for name in wanted:
                    if name != "healthz":
                        rows[name] = side_by_side(service.base, name, table, tmp, args.load, args.duration, args.rounds)
                        print(json.dumps({name: rows[name]}), flush=True)
                results["routes"] = rows
            if args.votes:
                results["votes"] = votes(service.base, tmp, args.duration)
                print(json.dumps({"votes": results["votes"]}), flush=True)
            for spec in [f for f in args.fanout.split(",") if f]:
                clients, _, runs = spec.partition("x")
                fanned = [fanout(service.base, service.process.pid, int(clients)) for _ in range(int(runs or 1))]
                results[f"fanout_{clients}"] = fanned
                print(json.dumps({f"fanout_{clients}": fanned}), flush=True)
            if args.storm or args.storm_only:
                try:
                    results["storm"] = storm(service.base, tmp)
                except Exception as exc:  # keep the other figures
                    results["storm"] = {"error": f"{type(exc).__name__}: {exc}"}
                print(json.dumps({"storm": results["storm"]}), flush=True)
        finally:
            if args.profile:  # uvicorn re-raises SIGTERM after shutdown, which would skip writing the profile
                service.process.send_signal(signal.SIGINT)
                service.process.wait(timeout=60)
            else:
                service.stop()
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
