"""Outbound HTTP on an organizer's behalf (CSV fetch here, webhooks in notify), guarded against SSRF.

Only ``http``/``https`` URLs; the host must resolve to public addresses unless
``UNCONF_FETCH_ALLOW_PRIVATE`` is true (tests on loopback, or an intranet install). Every
redirect hop is checked again. Proxy variables are ignored so the checked address is the one
we connect to; a DNS answer that changes between the check and the connection is the residual risk.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import httpx

from unconf.errors import ValidationFailed
from unconf.settings import get_settings

FETCH_MAX_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 20.0
MAX_REDIRECTS = 5
USER_AGENT = "unconf (+https://github.com/unconf)"


def _fail(detail: str, field: str, code: str = "fetch_failed") -> ValidationFailed:
    return ValidationFailed(detail, field=field, code=code)


def check_url_shape(url: str, field: str) -> tuple[str, int]:
    """Scheme, host and port of a URL we may call; no credentials in it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _fail(f"{field} is not a valid URL", field, "invalid_url") from exc
    if parts.scheme not in ("http", "https"):
        raise _fail(f"{field} must be an http:// or https:// URL", field, "invalid_url")
    if not parts.hostname:
        raise _fail(f"{field} has no host", field, "invalid_url")
    if parts.username or parts.password:
        raise _fail(f"{field} must not contain a user name or password", field, "invalid_url")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def guard_url(url: str, field: str) -> None:
    """Refuse URLs that are not http(s) or that point into our own network (unless allowed)."""
    host, port = check_url_shape(url, field)
    if get_settings().fetch_allow_private:
        return
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5
        )
    except (OSError, TimeoutError) as exc:
        raise _fail(f"{field}: the host {host!r} could not be resolved", field) from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise _fail(
            f"{field} points at a private, loopback or reserved address; "
            "only public addresses are allowed (UNCONF_FETCH_ALLOW_PRIVATE=true lifts this)",
            field,
            "address_not_allowed",
        )


def client(timeout: float) -> httpx.AsyncClient:
    """No redirects followed for us and no proxies from the environment: we check each hop ourselves."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT},
    )


async def fetch_csv(url: str, field: str = "url") -> bytes:
    """GET a CSV (e.g. a Google Sheet published to the web as CSV): size- and time-limited, 4xx on failure."""
    try:
        async with asyncio.timeout(FETCH_TIMEOUT):
            return await _fetch(url, field)
    except TimeoutError as exc:
        raise _fail(f"fetching {field} took longer than {FETCH_TIMEOUT:.0f} seconds", field) from exc


async def _fetch(url: str, field: str) -> bytes:
    current = url.strip()
    async with client(FETCH_TIMEOUT) as http:
        for _ in range(MAX_REDIRECTS + 1):
            await guard_url(current, field)
            try:
                async with http.stream("GET", current, headers={"Accept": "text/csv, text/plain;q=0.9"}) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise _fail(f"fetching {field} failed: the server answered {response.status_code}", field)
                    if "text/html" in response.headers.get("content-type", ""):
                        raise _fail(
                            f"{field} returned a web page, not CSV: publish the sheet to the web as CSV "
                            "(File > Share > Publish to web > CSV) and use that link",
                            field,
                        )
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > FETCH_MAX_BYTES:
                        raise _fail(f"the file at {field} is larger than {FETCH_MAX_BYTES // 1_048_576} MB", field)
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > FETCH_MAX_BYTES:
                            raise _fail(f"the file at {field} is larger than {FETCH_MAX_BYTES // 1_048_576} MB", field)
                    return bytes(body)
            except httpx.HTTPError as exc:
                raise _fail(f"fetching {field} failed: {type(exc).__name__}: {exc}"[:300], field) from exc
    raise _fail(f"fetching {field} failed: more than {MAX_REDIRECTS} redirects", field)
