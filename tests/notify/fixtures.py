"""Session fixtures for the people and notify tests, loaded with ``pytest_plugins = ["tests.notify.fixtures"]``.

A plugin rather than a conftest.py in each folder, so both folders share one SMTP sink and one
server per test session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Server
from tests.notify.loopback import Receiver, SmtpSink, start_notify_server, stop_and_check


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    pytest.importorskip("aiosmtpd", reason="pip install aiosmtpd (a dev dependency) for the email tests")
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def notify_server(tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink) -> Iterator[Server]:
    """The app with SMTP pointed at the sink and loopback fetches/webhooks allowed (they are what we test with)."""
    tmp = tmp_path_factory.mktemp("notify")
    server = start_notify_server(
        tmp,
        {
            "UNCONF_SMTP_HOST": "127.0.0.1",
            "UNCONF_SMTP_PORT": str(smtp_sink.port),
            "UNCONF_SMTP_STARTTLS": "false",
            "UNCONF_SMTP_FROM": "edcamp@example.org",
            "UNCONF_FETCH_ALLOW_PRIVATE": "true",
        },
    )
    yield server
    stop_and_check(server)


@pytest.fixture(scope="session")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """Defaults for SSRF (private addresses refused) and email in dry-run mode: .eml files instead of SMTP."""
    tmp = tmp_path_factory.mktemp("guarded")
    outbox = tmp / "mail"
    server = start_notify_server(tmp, {"UNCONF_MAIL_DRY_RUN_DIR": str(outbox)})
    yield server, outbox
    stop_and_check(server)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
