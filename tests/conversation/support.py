"""Helpers for the conversation tests: people in an event with a topic, and live sockets with rooms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.helpers import REPO, EventHandle, Server, make_event


def token_of(client: httpx.Client) -> str:
    return client.headers["authorization"].removeprefix("Bearer ")


@contextmanager
def live_socket(
    server: Server, ev: EventHandle, client: httpx.Client | None, *rooms: str
) -> Iterator[ClientConnection]:
    """A live socket as this person (or anyone), past its hello, with these rooms opened (and confirmed)."""
    headers = {"Authorization": f"Bearer {token_of(client)}"} if client is not None else {}
    with connect(server.base_url.replace("http://", "ws://") + ev.url("/live"), additional_headers=headers) as ws:
        assert json.loads(ws.recv(timeout=60))["type"] == "hello"
        for room in rooms:
            ws.send(json.dumps({"open": room}))
            assert next_frame(ws, "room.opened")["data"] == {"room": room}
        yield ws


def next_frame(ws: ClientConnection, *types: str) -> dict[str, Any]:
    """The next frame of one of these types, skipping others (recv's timeout only bounds a broken run)."""
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=60))
        if frame["type"] in types:
            return frame


def community_event(server: Server, name: str = "Edcamp Riverside") -> tuple[EventHandle, str]:
    """An event made with its community; the community's slug."""
    ev = make_event(server, title=f"{name} Spring")
    r = ev.organizer.post(ev.url("/community"), json={"name": name})
    assert r.status_code == 201, r.text
    return ev, str(r.json()["slug"])


def member_token(server: Server, community: str, member_id: int) -> str:
    """A member's sign-in, as the emailed link gives it: a code minted on the server's database, redeemed."""
    program = (
        "import asyncio\n"
        "from community.services import mint_signin_code\n"
        f"print(asyncio.run(mint_signin_code({int(member_id)})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env={**os.environ, "UNCONF_DATABASE_URL": server.database_url},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    code = done.stdout.decode().strip().splitlines()[-1]
    with server.client() as anon:
        r = anon.post(f"/api/v1/communities/{community}/signin/redeem", json={"code": code})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def make_greeter(
    server: Server, ev: EventHandle, community: str, name: str, profile_name: str, email: str
) -> tuple[httpx.Client, int, httpx.Client]:
    """Someone at the event who stays as a member, is named in their profile, and whom organizers mark greeter.

    Returns their event client, member id and member client (their sign-in token).
    """
    client, _ = ev.join(name)
    r = client.post(ev.url("/me/membership"), json={"email": email})
    assert r.status_code == 201, r.text
    member_id = int(r.json()["id"])
    assert client.put(ev.url("/me/profile"), json={"display_name": profile_name}).status_code == 200
    r = ev.organizer.put(f"/api/v1/communities/{community}/greeters/{member_id}")
    assert r.status_code == 200, r.text
    return client, member_id, server.client(member_token(server, community, member_id))


def wait_for(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """Poll until ``check()`` is truthy (the outbox worker runs on its own clock); the deadline only bounds a
    broken run, nothing is asserted about how long it took."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")
