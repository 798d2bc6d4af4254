"""Live sockets are capped per address and per person; past the cap a socket is closed with 4429."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.helpers import Server, make_event, stack_database_url, stack_env, start_server

PER_ADDRESS, PER_PERSON = 6, 2


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("live-limits")
    extra = {"UNCONF_LIVE_MAX_PER_ADDRESS": str(PER_ADDRESS), "UNCONF_LIVE_MAX_PER_PERSON": str(PER_PERSON)}
    srv = start_server(stack_database_url(tmp), tmp, {**stack_env(), **extra})
    yield srv
    srv.stop()
    assert "Traceback" not in srv.log()


def open_live(server: Server, slug: str, token: str | None = None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    url = server.base_url.replace("http://", "ws://") + f"/api/v1/events/{slug}/live"
    return connect(url, additional_headers=headers, open_timeout=30)


def greeted(ws: ClientConnection) -> bool:
    return bool(json.loads(ws.recv(timeout=30))["type"] == "hello")


def refused(server: Server, slug: str, token: str | None = None) -> tuple[int, str]:
    """A socket the server closes with no hello first; its close code and reason."""
    with open_live(server, slug, token) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=30)
    frame = closed.value.rcvd
    assert frame is not None, "the server closed the socket without a close frame"
    return frame.code, frame.reason


def test_one_address_cannot_flood_the_live_stream(capped: Server) -> None:
    """The attack: thousands of sockets from one address were all accepted."""
    ev = make_event(capped)
    try:
        with ExitStack() as stack:
            held = [stack.enter_context(open_live(capped, ev.slug)) for _ in range(PER_ADDRESS)]
            assert all(greeted(ws) for ws in held)
            code, reason = refused(capped, ev.slug)
            assert code == 4429 and "too many live connections" in reason
            # Another event is no way around it: the cap is the address's.
            other = make_event(capped)
            assert refused(capped, other.slug)[0] == 4429
            other.organizer.close()
            # The open sockets still hear changes.
            ev.phase("proposals")
            assert json.loads(held[0].recv(timeout=30))["type"] == "phase.changed"
            # A socket that goes gives its place back.
            held.pop().close()
            assert reopen(stack, capped, ev.slug) is not None
    finally:
        ev.organizer.close()


def reopen(stack: ExitStack, server: Server, slug: str) -> ClientConnection:
    """The server frees a place when it sees the close; the next socket may race it, so try a few times."""
    for _ in range(50):
        ws = stack.enter_context(open_live(server, slug))
        try:
            if greeted(ws):
                return ws
        except ConnectionClosed:
            continue
    raise AssertionError("the place of a closed socket was never given back")


def test_one_person_cannot_hold_more_than_their_share(capped: Server) -> None:
    ev = make_event(capped)
    try:
        with ExitStack() as stack:
            mine = [stack.enter_context(open_live(capped, ev.slug, ev.organizer_key)) for _ in range(PER_PERSON)]
            assert all(greeted(ws) for ws in mine)
            code, reason = refused(capped, ev.slug, ev.organizer_key)
            assert code == 4429 and "for this person" in reason
            # The address still has room for someone else.
            anon = stack.enter_context(open_live(capped, ev.slug))
            assert greeted(anon)
    finally:
        ev.organizer.close()
