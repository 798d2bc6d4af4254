"""Edcamps near me: the instance's upcoming public events nearest first, from a city (looked up offline)
or coordinates, with distances; a webcal feed for the search; bad places are a 400 naming the field."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from icalendar import Calendar

from rhythm import geo
from tests.helpers import Server
from tests.rhythm.world import community_with_day, set_series

FUTURE = "2099-06-06"


@pytest.fixture(scope="module")
def places(server: Server) -> dict[str, str]:
    """Three communities with a listed event each (Lyon, Paris, Marseille) and one not listed (Lyon)."""
    made: dict[str, str] = {}
    for name, city, listed in (
        ("Edcamp Lyon", "Lyon", True),
        ("Edcamp Paris", "Paris, France", True),
        ("Edcamp Marseille", "Marseille", True),
        ("Edcamp Hidden", "Lyon", False),
    ):
        ev, community = community_with_day(server, name, day=FUTURE, listed=listed)
        assert set_series(ev, community, city=city).status_code == 200
        made[name] = ev.slug
    return made


def mine(found: list[dict[str, Any]], places: dict[str, str]) -> list[dict[str, Any]]:
    return [e for e in found if e["slug"] in places.values()]


def test_events_near_a_city_nearest_first(server: Server, places: dict[str, str]) -> None:
    r = server.client().get("/api/v1/near", params={"city": "Grenoble"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["place"] == "Grenoble, FR"
    found = mine(body["events"], places)
    assert [e["slug"] for e in found] == [places["Edcamp Lyon"], places["Edcamp Marseille"], places["Edcamp Paris"]]
    distances = [e["distance_km"] for e in found]
    assert distances == sorted(distances)
    assert 85 < distances[0] < 110  # Grenoble to Lyon, as the crow flies
    assert found[0]["city"] == "Lyon, FR"
    assert found[0]["community_name"] == "Edcamp Lyon"
    assert places["Edcamp Hidden"] not in [e["slug"] for e in body["events"]]

    # The browser's location works the same way: near Paris, Paris comes first.
    r = server.client().get("/api/v1/near", params={"lat": 48.85, "lon": 2.35})
    assert next(e["slug"] for e in mine(r.json()["events"], places)) == places["Edcamp Paris"]


def test_the_near_me_feed(server: Server, places: dict[str, str]) -> None:
    r = server.client().get("/near.ics", params={"city": "Marseille"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(r.content)
    uids = [str(c["uid"]).removesuffix("@unconf") for c in calendar.walk("VEVENT")]
    ours = [uid for uid in uids if uid in places.values()]
    assert ours == [places["Edcamp Marseille"], places["Edcamp Lyon"], places["Edcamp Paris"]]
    assert str(calendar["x-wr-calname"]).replace("\\,", ",") == "Edcamps near Marseille, FR"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"city": "Atlantis-under-the-sea"}, "city"),
        ({"city": "Paris, Narnia"}, "city"),
        ({}, "city"),
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": 0, "lon": 181}, "lon"),
        ({"lat": 10}, "lon"),
    ],
)
def test_bad_places_are_named(server: Server, params: dict[str, Any], field: str) -> None:
    for path in ("/api/v1/near", "/near.ics"):
        r = server.client().get(path, params=params)
        assert r.status_code == 400, (path, params, r.text)
        assert r.json()["field"] == field


def test_city_lookup_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The geodata ships in the package: with every socket refused the lookup and distances still work."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "socket", refused)
    monkeypatch.setattr(socket, "create_connection", refused)
    monkeypatch.setattr(socket, "getaddrinfo", refused)
    grenoble = geo.find_city("grenoble")
    lyon, paris = geo.find_city("Lyon"), geo.find_city("Paris, FR")
    assert (grenoble.country, lyon.country, paris.country) == ("FR", "FR", "FR")
    to_lyon = geo.haversine_km(grenoble.latitude, grenoble.longitude, lyon.latitude, lyon.longitude)
    to_paris = geo.haversine_km(grenoble.latitude, grenoble.longitude, paris.latitude, paris.longitude)
    assert 85 < to_lyon < 110 < 400 < to_paris < 520
    assert geo.find_city("Portland, Maine").region == "ME"
    assert geo.find_city("Zurich").name == "Zürich"
    with pytest.raises(geo.ValidationFailed) as refused_city:
        geo.find_city("Nowhere-at-all")
    assert refused_city.value.field == "city"
