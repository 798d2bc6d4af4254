"""The `unconf` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import REPO, free_port, run_cli, shared_dir


def test_migrate_is_idempotent_and_uses_wal(tmp_path: Path) -> None:
    env = {"UNCONF_DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite'}"}
    for _ in range(2):
        result = run_cli("migrate", "--quiet", env=env)
        assert result.returncode == 0, result.stderr.decode()
    import sqlite3

    with sqlite3.connect(tmp_path / "m.sqlite") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
        assert {
            "event",
            "participant",
            "proposal",
            "vote",
            "room",
            "time_slot",
            "agenda_version",
            "placement",
        } <= tables
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_bad_settings_are_reported_plainly(tmp_path: Path) -> None:
    result = run_cli("serve", env={"UNCONF_PORT": "eighty", "UNCONF_DATABASE_URL": f"sqlite:///{tmp_path}/s.sqlite"})
    assert result.returncode == 2
    assert b"UNCONF_PORT must be a number" in result.stderr and b"Traceback" not in result.stderr


def test_demo_serves_the_sample_with_its_links(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "UNCONF_PORT": str(port), "UNCONF_HOST": "127.0.0.1"}
    env.pop("UNCONF_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "unconf.cli", "demo", "--db-file", str(tmp_path / "demo.sqlite")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://localhost:{port}"
        agenda = None
        for _ in range(300):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/events/edcamp-riverside/agenda", timeout=2)
                if response.status_code == 200:
                    agenda = response.json()
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            time.sleep(0.2)
        assert agenda is not None and agenda["version"] == 1 and len(agenda["sessions"]) == 32
        event = httpx.get(f"http://127.0.0.1:{port}/api/v1/events/edcamp-riverside").json()
        assert event["start_date"] == time.strftime("%Y-%m-%d"), "the demo happens today"
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert f"{base}/e/edcamp-riverside/board" in out
    assert f"{base}/e/edcamp-riverside/join?code=RIVER5" in out
    assert "organizer key (Dana Whitfield): " in out


def test_agenda_solve_matches_the_independent_evaluator(tmp_path: Path) -> None:
    scheduling = shared_dir("scheduling")
    instance = scheduling / "instances" / "small-constrained.json"
    result = run_cli("agenda", "solve", str(instance), "--time-limit", "5", "--max-iterations", "3000", "--seed", "2")
    assert result.returncode == 0, result.stderr.decode()
    solution = json.loads(result.stdout)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(solution))
    checked = subprocess.run(
        [sys.executable, str(scheduling / "evaluate.py"), str(instance), str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    independent = json.loads(checked.stdout)
    assert independent["feasible"], independent["violations"]
    assert independent["Z"] == solution["score"]
    assert solution["violations"] == []


def test_agenda_solve_rejects_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run_cli("agenda", "solve", str(bad))
    assert result.returncode == 2 and b"Traceback" not in result.stderr
