"""Schemathesis against our own OpenAPI schema: no 5xx, and every answer matches what the schema says.

The server may call private addresses (UNCONF_FETCH_ALLOW_PRIVATE=true) and writes mail to a dry-run
directory; ``fuzz_hooks.py`` points every URL the server would call (webhooks, registrant CSV URLs,
BigBlueButton, Whereby) at a loopback receiver the test starts, so the routes that call out are
fuzzed through their real outbound path and nothing leaves the machine.

`positive_data_acceptance` is left out: our rules go beyond what JSON Schema can say
(unknown fields are refused, a slot must end after it starts, surrogate characters are
refused), and those refusals are 400s with the error shape — which the other checks verify.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import IN_CI, make_event, setup_rooms_and_slots, start_server
from tests.notify.loopback import Hit, Receiver, ok, serve_file

HOOKS = Path(__file__).with_name("fuzz_hooks.py")
SHEET = b"First name,Last name,Email\nAda,Lovelace,ada@example.org\n"


def _bbb_create(_: Hit) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/xml"}, b"<response><returncode>SUCCESS</returncode></response>"


def _whereby_meeting(_: Hit) -> tuple[int, dict[str, str], bytes]:
    body = b'{"meetingId": "1", "roomUrl": "https://whereby.example/r", "hostRoomUrl": "https://whereby.example/h"}'
    return 201, {"Content-Type": "application/json"}, body


def loopback_receiver() -> Receiver:
    """Stands in for every outside service the fuzzed routes call."""
    receiver = Receiver()
    receiver.routes.update(
        {
            "/hook": ok,
            "/sheet.csv": serve_file(SHEET),
            "/bigbluebutton/api/create": _bbb_create,
            "/v1/meetings": _whereby_meeting,
        }
    )
    return receiver


def schemathesis_command() -> list[str]:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if exe is None:
        if IN_CI:
            pytest.fail("schemathesis is a dev dependency and must be installed in CI")
        pytest.skip("schemathesis not installed (pip install -e '.[dev]')")
    return [exe]


def test_api_survives_schemathesis(tmp_path: Path) -> None:
    command = schemathesis_command()
    receiver = loopback_receiver()
    env = {
        "UNCONF_RATE_LIMIT_SCALE": "0",
        "UNCONF_FETCH_ALLOW_PRIVATE": "true",
        "UNCONF_MAIL_DRY_RUN_DIR": str(tmp_path / "mail"),
    }
    srv = start_server(f"sqlite:///{tmp_path / 'fuzz.sqlite'}", tmp_path, env)
    try:
        ev = make_event(srv, slug="fuzz", start_date="2099-06-06", tier="paid")
        setup_rooms_and_slots(ev, [30, 20], breakouts=2, day="2099-06-06")
        hook = ev.organizer.post(ev.url("/webhooks"), json={"url": receiver.url("/hook")})
        assert hook.status_code == 201, hook.text
        video = {
            "provider": "bbb",
            "config": {"base_url": receiver.url("/bigbluebutton/api")},
            "secrets": {"shared_secret": "fuzz-shared-secret"},
        }
        assert ev.organizer.put(ev.url("/video"), json=video).status_code == 200
        ev.phase("proposals")
        people = [ev.join(f"F{i}")[0] for i in range(3)]
        ids = [c.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).json()["id"] for i, c in enumerate(people)]
        ev.phase("voting")
        for client, pid in zip(people, ids, strict=True):
            client.post(ev.url("/votes"), json={"proposal_id": pid})
        ev.organizer.post(ev.url("/agenda/build"), json={})
        ev.organizer.post(ev.url("/agenda/publish"))
        config = tmp_path / "schemathesis.toml"
        webhook_id = hook.json()["webhook"]["id"]
        config.write_text(f'[parameters]\n"path.slug" = "fuzz"\n"path.webhook_id" = {webhook_id}\n')
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
            env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "UNCONF_FUZZ_RECEIVER": receiver.url("")},
            cwd=tmp_path,  # schemathesis keeps its cache in the working directory
        )
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
        assert "Tested:" in result.stdout
        assert receiver.at("/bigbluebutton/api/create") and receiver.at("/hook"), "the outbound routes were called"
    finally:
        srv.stop()
        receiver.close()
    assert "Traceback" not in srv.log(), srv.log()[-5000:]
