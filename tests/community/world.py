"""Building blocks for the community tests: an event in a community, people with votes and profiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx

from tests.helpers import REPO, EventHandle, Server, make_event


def community_event(server: Server, name: str = "Edcamp Riverside") -> tuple[EventHandle, dict[str, Any]]:
    ev = make_event(server)
    r = ev.organizer.post(ev.url("/community"), json={"name": name})
    assert r.status_code == 201, r.text
    return ev, r.json()


def person(ev: EventHandle, name: str, profile: dict[str, Any] | None = None) -> tuple[httpx.Client, int]:
    client, me = ev.join(name)
    if profile is not None:
        r = client.put(ev.url("/me/profile"), json=profile)
        assert r.status_code == 200, r.text
    return client, int(me["id"])


def propose(client: httpx.Client, ev: EventHandle, title: str) -> int:
    r = client.post(ev.url("/proposals"), json={"title": title})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def vote(client: httpx.Client, ev: EventHandle, *proposal_ids: int) -> None:
    for pid in proposal_ids:
        r = client.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})
        assert r.status_code in (200, 201), r.text


def peers_of(client: httpx.Client, ev: EventHandle) -> list[dict[str, Any]]:
    r = client.get(ev.url("/peers"))
    assert r.status_code == 200, r.text
    peers: list[dict[str, Any]] = r.json()
    return peers


def call_service(server: Server, code: str) -> Any:
    """Run ``code`` (an async body that sets ``result``) in a fresh process on the server's own database.

    The services the other packages call in-process (greeters, blocks) are checked the same way they
    run: against the real database, not a copy.
    """
    program = (
        "import asyncio, json\n"
        "from unconf.app import wire\n"
        "wire()\n"
        "async def main():\n" + "".join(f"    {line}\n" for line in code.strip().splitlines()) + "    return result\n"
        "print(json.dumps(asyncio.run(main())))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env={**os.environ, "UNCONF_DATABASE_URL": server.database_url},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout.decode().strip().splitlines()[-1])
