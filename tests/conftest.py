"""Shared fixtures; the helpers they use live in tests/helpers.py (re-exported for older imports)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import *  # noqa: F403  (tests written as `from conftest import ...` keep working)
from tests.helpers import EventHandle, Server, make_event, stack_database_url, stack_env, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    srv = start_server(stack_database_url(tmp), tmp, stack_env())
    yield srv
    srv.stop()
    log = srv.log()
    assert "Traceback" not in log, f"the server logged an exception:\n{log[-5000:]}"
    assert "DeprecationWarning" not in log, f"the server printed deprecation warnings:\n{log[-5000:]}"


@pytest.fixture
def event(server: Server) -> Iterator[EventHandle]:
    handle = make_event(server)
    yield handle
    handle.organizer.close()
