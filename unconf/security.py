"""Security headers on every response; a strict content policy on our own pages."""

from __future__ import annotations

from litestar.datastructures import CacheControlHeader
from litestar.types import Message, Scope

from unconf.auth import COOKIE_PREFIX

# For answers that carry an organizer key, a personal token or a secret URL: nobody keeps a copy.
NO_STORE = CacheControlHeader(no_store=True)
_TOKEN_COOKIE = f"{COOKIE_PREFIX}".encode()

# Pages use only our own scripts, styles and sockets; inline styles stay allowed for
# server-rendered layout values (grid sizes), never inline scripts.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    for name, value in COMMON:
        if name not in present:
            headers.append((name, value))
    # A response that sets (or clears) a token cookie carries the token: no cache may keep it, whichever
    # page or route made it (sign-in, join, the "event created" page, invitation links).
    if any(n.lower() == b"set-cookie" and v.lstrip().startswith(_TOKEN_COOKIE) for n, v in headers):
        headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
        headers.append((b"cache-control", b"no-store"))
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    path = scope.get("path", "")
    # The API docs pages (Swagger UI, ReDoc: our own copies in web/static/apidocs) start their viewer
    # with an inline script; every other HTML page of ours gets the strict policy.
    strict = content_type.startswith(b"text/html") and not path.startswith("/schema")
    if strict and b"content-security-policy" not in present:
        headers.append((b"content-security-policy", PAGE_POLICY.encode()))
    message["headers"] = headers  # type: ignore[typeddict-unknown-key]
