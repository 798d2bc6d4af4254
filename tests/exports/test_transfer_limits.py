"""`unconf import` is a side door for people and rooms: the file's tier caps hold there too, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.tiers import FREE
from tests.helpers import REPO, run_cli, stack_database_url

SAMPLE = REPO / "examples" / "edcamp-riverside.json"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_bytes())
    assert data["event"]["tier"] == "free"
    return data


def with_people(data: dict[str, Any], total: int) -> dict[str, Any]:
    """The sample with extra attendees, up to ``total`` people in the file."""
    extra = total - len(data["participants"])
    data["participants"] += [
        {
            "ref": f"extra{i}",
            "display_name": f"Extra {i}",
            "role": "attendee",
            "email": f"extra{i}@example.org",
            "token_hash": None,
            "created_at": "2026-03-14T13:09:10Z",
        }
        for i in range(extra)
    ]
    return data


def import_file(env: dict[str, str], data: dict[str, Any], slug: str) -> Any:
    return run_cli("import", "-", "--slug", slug, env=env, stdin=json.dumps(data).encode())


def nothing_there(env: dict[str, str], slug: str) -> bool:
    return run_cli("export", slug, env=env).returncode != 0


def test_a_file_with_more_people_than_its_tier_allows_is_refused_whole(tmp_path: Path) -> None:
    env = {"UNCONF_DATABASE_URL": stack_database_url(tmp_path)}
    assert run_cli("migrate", "--quiet", env=env).returncode == 0
    result = import_file(env, with_people(sample(), FREE.max_participants + 1), "too-many")
    assert result.returncode == 2
    message = result.stderr.decode()
    assert "nothing was written" in message and "max_participants" in message and "1000" in message
    assert nothing_there(env, "too-many")

    # Exactly the cap fits; the operator's paid file carries more.
    assert import_file(env, with_people(sample(), FREE.max_participants), "just-fits").returncode == 0
    paid = with_people(sample(), FREE.max_participants + 1)
    paid["event"]["tier"] = "paid"
    loaded = import_file(env, paid, "paid-copy")
    assert loaded.returncode == 0, loaded.stderr.decode()


def test_a_file_with_more_rooms_than_its_tier_allows_is_refused_whole(tmp_path: Path) -> None:
    env = {"UNCONF_DATABASE_URL": stack_database_url(tmp_path)}
    assert run_cli("migrate", "--quiet", env=env).returncode == 0
    data = sample()
    room = data["rooms"][-1]
    data["rooms"] += [
        {**room, "ref": f"extra-room{i}", "name": f"Extra room {i}", "position": 100 + i}
        for i in range(FREE.max_rooms + 1 - len(data["rooms"]))
    ]
    result = import_file(env, data, "too-many-rooms")
    assert result.returncode == 2
    assert "max_rooms" in result.stderr.decode() and "nothing was written" in result.stderr.decode()
    assert nothing_there(env, "too-many-rooms")
