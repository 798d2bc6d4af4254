"""Helpers for the conversation tests: people in an event with a topic, and live sockets with rooms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.helpers import EventHandle, Server


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
