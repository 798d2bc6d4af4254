"""The one outbound client checks the address it connects to, not only the one a URL named when saved.

A DNS-rebinding attacker's name resolves to a public address when the URL is saved and to
127.0.0.1 when we connect. We cannot make a public name do that here, so these tests give the
client a name that resolves to loopback (``localhost``) and skip the save-time check, which is
exactly the situation at connect time after a rebinding: the client must refuse, and the loopback
receiver must see no request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.notify.loopback import Receiver, ok
from unconf import http
from unconf.errors import ValidationFailed
from unconf.settings import get_settings


@pytest.fixture
def private(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("UNCONF_FETCH_ALLOW_PRIVATE", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.routes["/x"] = ok
    yield r
    r.close()


async def _get(url: str) -> int:
    async with http.client(5) as c:
        return (await c.get(url)).status_code


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::ffff:127.0.0.1]"])
def test_the_client_refuses_private_addresses_at_connect_time(
    private: pytest.MonkeyPatch, receiver: Receiver, host: str
) -> None:
    with pytest.raises(http.AddressNotAllowed):
        asyncio.run(_get(f"http://{host}:{receiver.port}/x"))
    assert receiver.hits == [], "no request reached the loopback receiver"


def test_the_client_reaches_private_addresses_when_the_operator_allows_it(
    private: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    private.setenv("UNCONF_FETCH_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    assert asyncio.run(_get(f"http://localhost:{receiver.port}/x")) == 200
    assert len(receiver.hits) == 1


def test_csv_fetches_refuse_private_addresses_with_the_field(private: pytest.MonkeyPatch, receiver: Receiver) -> None:
    """CSV import: the one error shape, field named, nothing fetched."""

    with pytest.raises(ValidationFailed) as caught:
        asyncio.run(http.fetch_csv(f"http://localhost:{receiver.port}/x"))
    assert caught.value.field == "url" and caught.value.code == "address_not_allowed"
    assert receiver.hits == []
