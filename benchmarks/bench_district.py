"""A district Saturday: 20 events of 300 people voting at once on PostgreSQL + Redis, two workers.

    python benchmarks/bench_district.py                       # 20 events of 300, 20 s of voting
    python benchmarks/bench_district.py --events 5 --people 100 --seconds 10   # a quick look

One ``unconf serve --workers 2`` on a fresh PostgreSQL database with live updates through Redis
(loopback). Setup goes through the API: each event gets 10 proposals and its people join. Then
``district_load.py``, in its own process, opens board sockets on every event and votes from every
event at once; it reports votes/s with p50/p99, every status, messages a board got from another
event (must be 0) and whether each board's last tally equals the stored one. Rate limits are off
(``UNCONF_RATE_LIMIT_SCALE=0``): every voter comes from 127.0.0.1 here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_service import REPO, Service, voting_event


def setup(base: str, events: int, people: int, proposals: int) -> list[dict[str, Any]]:
    def one(_: int) -> dict[str, Any]:
        slug, tokens, ids, key = voting_event(base, people=people, proposals=proposals)
        return {"slug": slug, "tokens": tokens, "ids": ids, "organizer_key": key}

    with ThreadPoolExecutor(max_workers=4) as pool:  # four events joining at a time, as a district's doors open
        return list(pool.map(one, range(events)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--proposals", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--boards", type=int, default=5, help="board clients per event")
    parser.add_argument("--voters", type=int, default=4, help="concurrent voting loops per event")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="", help="also write the results as JSON here")
    args = parser.parse_args()
    results: dict[str, Any] = {"load_average_before": os.getloadavg(), **vars(args)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        service = Service("postgres", args.workers, tmp)
        try:
            t = time.perf_counter()
            events = setup(service.base, args.events, args.people, args.proposals)
            results["setup_s"] = round(time.perf_counter() - t, 1)
            events_file = tmp / "events.json"
            events_file.write_text(json.dumps(events))
            command = [
                sys.executable,
                str(REPO / "benchmarks" / "district_load.py"),
                service.base,
                str(events_file),
                "--seconds",
                str(args.seconds),
                "--boards",
                str(args.boards),
                "--voters",
                str(args.voters),
            ]
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                results["error"] = (done.stderr or done.stdout)[-2000:]
            else:
                results["load"] = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            service.stop()
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if "error" in results else 0


if __name__ == "__main__":
    raise SystemExit(main())
