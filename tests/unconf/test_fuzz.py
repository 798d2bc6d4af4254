"""Schemathesis against our own OpenAPI schema: no 5xx, and every answer matches what the schema says.

`positive_data_acceptance` is left out: our rules go beyond what JSON Schema can say
(unknown fields are refused, a slot must end after it starts, surrogate characters are
refused), and those refusals are 400s with the error shape — which the other checks verify.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import IN_CI, make_event, setup_rooms_and_slots, start_server


def schemathesis_command() -> list[str]:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if exe is None:
        if IN_CI:
            pytest.fail("schemathesis is a dev dependency and must be installed in CI")
        pytest.skip("schemathesis not installed (pip install -e '.[dev]')")
    return [exe]


def test_api_survives_schemathesis(tmp_path: Path) -> None:
    command = schemathesis_command()
    srv = start_server(f"sqlite:///{tmp_path / 'fuzz.sqlite'}", tmp_path, {"UNCONF_RATE_LIMIT_SCALE": "0"})
    try:
        ev = make_event(srv, slug="fuzz", start_date="2099-06-06")
        setup_rooms_and_slots(ev, [30, 20], breakouts=2, day="2099-06-06")
        ev.phase("proposals")
        people = [ev.join(f"F{i}")[0] for i in range(3)]
        ids = [c.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).json()["id"] for i, c in enumerate(people)]
        ev.phase("voting")
        for client, pid in zip(people, ids, strict=True):
            client.post(ev.url("/votes"), json={"proposal_id": pid})
        ev.organizer.post(ev.url("/agenda/build"), json={})
        ev.organizer.post(ev.url("/agenda/publish"))
        config = tmp_path / "schemathesis.toml"
        config.write_text('[parameters]\n"path.slug" = "fuzz"\n')
        result = subprocess.run(
            [
                *command,
                "--config-file",
                str(config),
                "run",
                f"{srv.base_url}/schema/openapi.json",
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
                "--max-examples",
                "20",
                "--seed",
                "7",
                "--phases",
                "examples,fuzzing",
                "--request-timeout",
                "30",
                "--header",
                f"Authorization: Bearer {ev.organizer_key}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,  # schemathesis keeps its cache in the working directory
        )
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
        assert "Tested:" in result.stdout
    finally:
        srv.stop()
    assert "Traceback" not in srv.log(), srv.log()[-5000:]
