"""Every outbound HTTP request the service makes, guarded against SSRF: CSV fetches here, webhooks in
notify, video providers (BigBlueButton, Whereby) in rooms.

Only ``http``/``https`` URLs; the host must resolve to public addresses unless
``UNCONF_FETCH_ALLOW_PRIVATE`` is true (tests on loopback, or an intranet install). A URL is
checked when it is saved (``guard_url``) and again when we connect: the client's transport
resolves the host itself, checks every address and connects to the address it checked, so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot reach a private
address. Redirects are never followed for us; a caller that follows one checks the next hop the
same way. Proxy variables are ignored so the checked address is the one we connect to.

What a remote server answers is never shown to users: callers report the status code and log
the rest for the operator (``log_remote_answer``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
import typing
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _
from unconf.settings import get_settings

log = logging.getLogger("unconf.http")

FETCH_MAX_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 20.0
MAX_REDIRECTS = 5
USER_AGENT = "unconf (+https://github.com/unconf)"


def _fail(detail: str, field: str, code: str = "fetch_failed") -> ValidationFailed:
    return ValidationFailed(detail, field=field, code=code)


def _too_large(field: str) -> str:
    return _("the file at {field} is larger than {megabytes} MB").format(
        field=field, megabytes=FETCH_MAX_BYTES // 1_048_576
    )


def check_url_shape(url: str, field: str) -> tuple[str, int]:
    """Scheme, host and port of a URL we may call; no credentials in it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _fail(_("{field} is not a valid URL").format(field=field), field, "invalid_url") from exc
    if parts.scheme not in ("http", "https"):
        raise _fail(_("{field} must be an http:// or https:// URL").format(field=field), field, "invalid_url")
    if not parts.hostname:
        raise _fail(_("{field} has no host").format(field=field), field, "invalid_url")
    if parts.username or parts.password:
        raise _fail(_("{field} must not contain a user name or password").format(field=field), field, "invalid_url")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def guard_url(url: str, field: str, *, unresolved_ok: bool = False) -> None:
    """Refuse URLs that are not http(s) or that point into our own network (unless allowed).

    ``unresolved_ok`` accepts a host name that does not resolve yet (a video server being set up):
    there is no address to reach, and the connection is checked again when it is made.
    """
    host, port = check_url_shape(url, field)
    if get_settings().fetch_allow_private:
        return
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5
        )
    except (OSError, TimeoutError) as exc:
        if unresolved_ok:
            return
        raise _fail(
            _("{field}: the host {host!r} could not be resolved").format(field=field, host=host), field
        ) from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise refused(field)


class AddressNotAllowed(Exception):
    """Raised by the client's transport when a host resolves to an address we may not connect to."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host} resolves to a private, loopback or reserved address")
        self.host = host


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host, refuses it unless every address is allowed, and connects to a checked address.

    TLS still verifies the certificate against the URL's host name (httpcore passes it as SNI).
    """

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if get_settings().fetch_allow_private:
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            infos = await asyncio.wait_for(
                asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=timeout or 5
            )
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"the host {host!r} could not be resolved") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses or not all(address_allowed(a) for a in addresses):
            raise AddressNotAllowed(host)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the connection pool built on ``GuardedBackend``."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        context: ssl.SSLContext = httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(ssl_context=context, network_backend=GuardedBackend())


def client(timeout: float) -> httpx.AsyncClient:
    """The one outbound client: no redirects followed for us, no proxies from the environment, and every
    connection's address checked as it is made (``GuardedBackend``)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT},
    )


def refused(field: str) -> ValidationFailed:
    """The 400 for a URL whose host is (or, at connect time, has become) a private address."""
    return _fail(
        _(
            "{field} points at a private, loopback or reserved address; "
            "only public addresses are allowed (UNCONF_FETCH_ALLOW_PRIVATE=true lifts this)"
        ).format(field=field),
        field,
        "address_not_allowed",
    )


def log_remote_answer(what: str, url: str, response: httpx.Response) -> None:
    """What a remote server said goes to the operator's log, never back to users."""
    parts = urlsplit(url)
    log.warning(
        "%s: %s://%s%s answered %s: %r",
        what,
        parts.scheme,
        parts.netloc,
        parts.path,
        response.status_code,
        response.content[:300],
    )


async def fetch_csv(url: str, field: str = "url") -> bytes:
    """GET a CSV (e.g. a Google Sheet published to the web as CSV): size- and time-limited, 4xx on failure."""
    try:
        async with asyncio.timeout(FETCH_TIMEOUT):
            return await _fetch(url, field)
    except TimeoutError as exc:
        raise _fail(
            _("fetching {field} took longer than {seconds} seconds").format(
                field=field, seconds=f"{FETCH_TIMEOUT:.0f}"
            ),
            field,
        ) from exc


async def _fetch(url: str, field: str) -> bytes:
    current = url.strip()
    async with client(FETCH_TIMEOUT) as http:
        for _hop in range(MAX_REDIRECTS + 1):
            await guard_url(current, field)
            try:
                async with http.stream("GET", current, headers={"Accept": "text/csv, text/plain;q=0.9"}) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise _fail(
                            _("fetching {field} failed: the server answered {status}").format(
                                field=field, status=response.status_code
                            ),
                            field,
                        )
                    if "text/html" in response.headers.get("content-type", ""):
                        raise _fail(
                            _(
                                "{field} returned a web page, not CSV: publish the sheet to the web as CSV "
                                "(File > Share > Publish to web > CSV) and use that link"
                            ).format(field=field),
                            field,
                        )
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > FETCH_MAX_BYTES:
                        raise _fail(_too_large(field), field)
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > FETCH_MAX_BYTES:
                            raise _fail(_too_large(field), field)
                    return bytes(body)
            except AddressNotAllowed as exc:
                raise refused(field) from exc
            except httpx.HTTPError as exc:
                raise _fail(
                    _("fetching {field} failed: {problem}").format(field=field, problem=f"{type(exc).__name__}: {exc}")[
                        :300
                    ],
                    field,
                ) from exc
    raise _fail(
        _("fetching {field} failed: more than {count} redirects").format(field=field, count=MAX_REDIRECTS), field
    )
