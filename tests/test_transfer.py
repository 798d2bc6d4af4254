"""`unconf export` / `unconf import`: a full event round-trips without loss; bad files change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import REPO, run_cli, start_server

SAMPLE = REPO / "examples" / "edcamp-riverside.json"


def db_env(path: Path) -> dict[str, str]:
    return {"UNCONF_DATABASE_URL": f"sqlite:///{path}"}


def test_sample_imports_and_exports_identically(tmp_path: Path) -> None:
    env = db_env(tmp_path / "a.sqlite")
    imported = run_cli("import", str(SAMPLE), env=env)
    assert imported.returncode == 0, imported.stderr.decode()
    assert b"organizer key for Dana Whitfield" in imported.stderr
    exported = run_cli("export", "edcamp-riverside", env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    original, again = json.loads(SAMPLE.read_bytes()), json.loads(exported.stdout)
    # The sample has no key for its organizer (the import makes one); everything else is identical.
    assert original["participants"][0]["token_hash"] is None
    assert len(again["participants"][0]["token_hash"]) == 64
    again["participants"][0]["token_hash"] = None
    assert again == original
    assert len(original["proposals"]) == 60 and len(original["participants"]) == 251
    assert len(original["rooms"]) == 8
    assert [s["kind"] for s in original["slots"]].count("breakout") == 4


def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    first = db_env(tmp_path / "first.sqlite")
    assert run_cli("import", str(SAMPLE), env=first).returncode == 0
    one = run_cli("export", "edcamp-riverside", env=first).stdout
    second = db_env(tmp_path / "second.sqlite")
    loaded = run_cli("import", "-", env=second, stdin=one)
    assert loaded.returncode == 0, loaded.stderr.decode()
    assert b"organizer key" not in loaded.stderr, "keys travel as hashes: no new key is made"
    two = run_cli("export", "edcamp-riverside", env=second).stdout
    assert one == two


def test_imported_event_is_live_with_the_same_keys(tmp_path: Path) -> None:
    env = db_env(tmp_path / "live.sqlite")
    imported = run_cli("import", str(SAMPLE), "--slug", "riverside-copy", env=env)
    key = imported.stderr.decode().rsplit(": ", 1)[1].strip()
    srv = start_server(env["UNCONF_DATABASE_URL"], tmp_path)
    try:
        with srv.client(key) as organizer:
            me = organizer.get("/api/v1/events/riverside-copy/me")
            assert me.status_code == 200 and me.json()["participant"]["role"] == "organizer"
            agenda = organizer.get("/api/v1/events/riverside-copy/agenda").json()
            assert agenda["version"] == 1 and len(agenda["sessions"]) == 32
    finally:
        srv.stop()


def mutate(data: dict, path: str, value: object) -> dict:
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


BAD_FILES = [
    ("not json", None, "not valid JSON"),
    ("wrong format", ("format", "something/v9"), "format"),
    ("vote to unknown proposal", ("votes.5.proposal", "p9999"), "votes[5].proposal"),
    ("facilitator unknown", ("proposals.3.facilitators", ["u99999"]), "proposals[3].facilitators[0]"),
    ("duplicate ref", ("rooms.1.ref", "r1"), "rooms[1].ref"),
    ("bad timezone", ("event.timezone", "Nowhere/Land"), "timezone"),
    ("title with NUL", ("proposals.0.title", "a\u0000b"), "NUL character"),
    ("title with a bell", ("proposals.0.title", "ring\u0007"), "proposals[0].title"),
    ("placement to unknown room", ("agendas.0.placements.0.room", "r99"), "agendas[0].placements[0].room"),
    ("negative capacity", ("rooms.0.capacity", -5), "rooms"),
    ("overspent dots", ("event.settings.dots_per_participant", 1), "votes"),
]


@pytest.mark.parametrize(("what", "change", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_import_writes_nothing(tmp_path: Path, what: str, change: tuple | None, message: str) -> None:
    env = db_env(tmp_path / "bad.sqlite")
    assert run_cli("migrate", "--quiet", env=env).returncode == 0
    if change is None:
        raw = SAMPLE.read_bytes()[:5000]
    else:
        raw = json.dumps(mutate(json.loads(SAMPLE.read_bytes()), *change)).encode()
    result = run_cli("import", "-", env=env, stdin=raw)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "nothing was written" in err and message in err and "Traceback" not in err
    missing = run_cli("export", "edcamp-riverside", env=env)
    assert missing.returncode == 2 and b"no event" in missing.stderr


def test_import_refuses_an_existing_slug(tmp_path: Path) -> None:
    env = db_env(tmp_path / "dup.sqlite")
    assert run_cli("import", str(SAMPLE), env=env).returncode == 0
    again = run_cli("import", str(SAMPLE), env=env)
    assert again.returncode == 2 and b"exists already" in again.stderr
    assert run_cli("import", str(SAMPLE), "--slug", "riverside-2", env=env).returncode == 0
