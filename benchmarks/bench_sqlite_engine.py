"""The vote path on two SQLite engines side by side: the current one and the previous one.

    python benchmarks/bench_sqlite_engine.py                 # 5 rounds of 4,000 votes each
    python benchmarks/bench_sqlite_engine.py --rounds 9 --votes 8000

"previous" is ``PooledSQLiteEngine`` as it was at commit 636cdd9, when it overrode
Piccolo's private ``_run_in_new_connection``; it is read with ``git show`` at run time (so
it needs this repository's history) and used only here. "current" is the engine in
``unconf/database.py``.

Each measurement is its own process with a fresh SQLite file: migrate, one event, 400
people, 20 proposals, voting open; then ``--concurrency`` tasks cast ``--votes`` votes
through the service layer much as a request does (load the event, find the person by
token, ``voting.services.cast_vote``), after a warm-up of 400 votes. The votes follow
bench_service.py's wrk script: each person toggles one dot on one proposal. Rounds
alternate which engine goes first; the machine is shared, so compare the ratio, not the
absolute rates.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREVIOUS_COMMIT = "636cdd9"
ENGINES = ("previous", "current")


def use_previous_engine(tmp: Path) -> None:
    """Make ``engine_from_url`` build the engine of commit 636cdd9 (before piccolo_conf is imported)."""
    source = subprocess.run(
        ["git", "show", f"{PREVIOUS_COMMIT}:unconf/database.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    path = tmp / "database_previous.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("unconf_database_previous", path)
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = previous
    spec.loader.exec_module(previous)

    import unconf.database

    unconf.database.PooledSQLiteEngine = previous.PooledSQLiteEngine  # type: ignore[misc]


async def measure(votes: int, concurrency: int, people: int = 400, proposals: int = 20) -> dict[str, float | int | str]:
    from datetime import date

    from events.schemas import EventCreate, JoinRequest, PhaseChange
    from events.services import change_phase, create_event, get_event, join_event
    from events.tables import Participant
    from sessions.schemas import ProposalCreate
    from sessions.services import create_proposal
    from unconf.app import wire
    from unconf.database import close_connection_pool, current_engine
    from unconf.migrations import migrate
    from unconf.tokens import hash_token
    from voting.schemas import VoteCast
    from voting.services import cast_vote

    wire()
    await migrate(quiet=True)
    created = EventCreate(title="Bench", start_date=date(2099, 6, 6), organizer_name="B")
    event, organizer, _ = await create_event(created)
    event = await change_phase(event, PhaseChange(phase="proposals"))
    ids = [(await create_proposal(event, organizer, ProposalCreate(title=f"T{i}"))).id for i in range(proposals)]
    joins = [JoinRequest(display_name=f"P{i}", join_code=event.join_code) for i in range(people)]
    tokens = [(await join_event(event, join)).token for join in joins]
    event = await change_phase(event, PhaseChange(phase="voting"))
    slug = event.slug

    errors = 0

    async def vote(i: int) -> None:
        nonlocal errors
        # As bench_service.py's wrk script: person i % people, proposal i % proposals, 1 dot then 0.
        try:
            current = await get_event(slug)
            voter = await Participant.objects().where(Participant.token_hash == hash_token(tokens[i % people])).first()
            assert voter is not None
            data = VoteCast(proposal_id=ids[i % proposals], dots=(i // people) % 2)
            await cast_vote(current, voter, data)
        except Exception:
            errors += 1

    async def run(first: int, count: int) -> float:
        queue = iter(range(first, first + count))

        async def worker() -> None:
            for i in queue:
                await vote(i)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start

    await run(0, people)  # warm-up
    seconds = await run(people, votes)
    engine = type(current_engine())
    await close_connection_pool()
    return {
        "engine": f"{engine.__module__}.{engine.__qualname__}",
        "votes": votes,
        "seconds": round(seconds, 3),
        "votes_per_s": round(votes / seconds),
        "errors": errors,
    }


def worker_main(engine: str, votes: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["UNCONF_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite'}"
        sys.path.insert(0, str(REPO))
        if engine == "previous":
            use_previous_engine(tmp)
        print(json.dumps(asyncio.run(measure(votes, concurrency))), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--votes", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, args.votes, args.concurrency)
        return 0
    rates: dict[str, list[int]] = {name: [] for name in ENGINES}
    for round_no in range(args.rounds):
        order = ENGINES if round_no % 2 == 0 else ENGINES[::-1]
        for name in order:
            command = [sys.executable, __file__, "--worker", name, "--votes", str(args.votes)]
            command += ["--concurrency", str(args.concurrency)]
            output = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
            if output.returncode != 0:
                print(output.stderr[-3000:], file=sys.stderr)
                return 1
            row = json.loads(output.stdout.strip().splitlines()[-1])
            if row["errors"]:
                print(f"{name}: {row['errors']} votes failed", file=sys.stderr)
                return 1
            rates[name].append(row["votes_per_s"])
            print(json.dumps({"round": round_no + 1, "name": name, **row}), flush=True)
    previous, current = (statistics.median(rates[name]) for name in ENGINES)
    summary = {
        "previous_votes_per_s": rates["previous"],
        "current_votes_per_s": rates["current"],
        "previous_median": previous,
        "current_median": current,
        "ratio_current_over_previous": round(current / previous, 2),
        "per_round_ratios": [round(c / p, 2) for p, c in zip(rates["previous"], rates["current"], strict=True)],
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
