"""The liveness route answers from the process alone, and nothing caches it."""

import httpx

from tests.helpers import Server


def test_healthz_answers_plain_ok(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert response.headers["cache-control"] == "no-store"
