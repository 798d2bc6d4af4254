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


def _cli_in(folder: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """The command as someone runs it in a folder of their own, with no database named."""
    return subprocess.run(
        [sys.executable, "-m", "unconf.cli", *args], cwd=folder, env=env, capture_output=True, timeout=300
    )


def test_the_commands_and_the_server_use_one_database_by_default(tmp_path: Path) -> None:
    """new-edcamp, export, import, demo and serve meet in the same unconf.sqlite; watch says when nobody listens."""
    port = free_port()
    env = {**os.environ, "UNCONF_PORT": str(port), "UNCONF_HOST": "127.0.0.1", "PYTHONPATH": str(REPO)}
    for name in ("UNCONF_DATABASE_URL", "UNCONF_BASE_URL"):
        env.pop(name, None)
    made = _cli_in(tmp_path, "new-edcamp", "Edcamp Here", "--date", "2099-05-04", env=env)
    assert made.returncode == 0, made.stderr.decode()
    out = made.stdout.decode()
    assert f"http://localhost:{port}/e/edcamp-here/board" in out and "sqlite:///unconf.sqlite" in out
    assert (tmp_path / "unconf.sqlite").exists()

    exported = _cli_in(tmp_path, "export", "edcamp-here", env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    (tmp_path / "here.json").write_bytes(exported.stdout)
    imported = _cli_in(tmp_path, "import", "here.json", "--slug", "edcamp-here-copy", env=env)
    assert imported.returncode == 0, imported.stderr.decode()

    # Nobody listens yet: watch says so and stops, instead of retrying forever.
    watched = _cli_in(tmp_path, "watch", "edcamp-here", env=env)
    assert watched.returncode == 3, watched.stdout.decode()
    said = watched.stdout.decode()
    assert f"cannot reach ws://localhost:{port}/api/v1/events/edcamp-here/live" in said and "unconf serve" in said

    # The demo serves the same database: the Edcamp made above is there beside the sample.
    proc = subprocess.Popen(
        [sys.executable, "-m", "unconf.cli", "demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        found = None
        for _ in range(300):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/events/edcamp-here", timeout=2)
                if (
                    response.status_code == 200
                    and httpx.get(f"http://127.0.0.1:{port}/api/v1/events/edcamp-riverside", timeout=2).status_code
                    == 200
                ):
                    found = response.json()
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            time.sleep(0.2)
        assert found is not None and found["title"] == "Edcamp Here"
        copy = httpx.get(f"http://127.0.0.1:{port}/api/v1/events/edcamp-here-copy", timeout=5)
        assert copy.status_code == 200
    finally:
        proc.terminate()
        demo_out = proc.communicate(timeout=20)[0].decode()
    assert "database:            sqlite:///unconf.sqlite" in demo_out

    # A second demo in the same database keeps the first copy and loads the sample beside it.
    second = subprocess.Popen(
        [sys.executable, "-m", "unconf.cli", "demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/events/edcamp-riverside-2", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert second.poll() is None, second.stdout.read().decode() if second.stdout else ""
            time.sleep(0.2)
        else:
            raise AssertionError("the second demo did not load the sample beside the first")
    finally:
        second.terminate()
        second.communicate(timeout=20)
