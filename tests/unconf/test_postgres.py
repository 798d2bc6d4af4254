"""The same service on PostgreSQL (when a URL says so): the morning and the vote storm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Server, fresh_postgres_database, make_event, run_cli, start_server
from tests.journeys import test_morning
from tests.voting import test_concurrency


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(fresh_postgres_database(), tmp_path_factory.mktemp("pg"))
    yield srv
    srv.stop()
    assert "Traceback" not in srv.log(), srv.log()[-5000:]


def test_morning_on_postgres(pg_server: Server) -> None:
    test_morning.test_the_whole_morning(pg_server)


def test_vote_storm_on_postgres(pg_server: Server) -> None:
    test_concurrency.test_concurrent_votes_never_overspend(pg_server)
    test_concurrency.test_one_voter_racing_for_the_last_dot(pg_server)


def test_round_trip_on_postgres(tmp_path: Path) -> None:
    from tests.exports.test_transfer import SAMPLE

    env = {"UNCONF_DATABASE_URL": fresh_postgres_database()}
    assert run_cli("import", str(SAMPLE), env=env).returncode == 0
    first = run_cli("export", "edcamp-riverside", env=env).stdout
    other = {"UNCONF_DATABASE_URL": fresh_postgres_database()}
    assert run_cli("import", "-", env=other, stdin=first).returncode == 0
    assert run_cli("export", "edcamp-riverside", env=other).stdout == first


def test_pg_server_is_really_postgres(pg_server: Server) -> None:
    assert pg_server.database_url.startswith("postgresql://")
    ev = make_event(pg_server)
    assert ev.organizer.get(ev.url()).status_code == 200
