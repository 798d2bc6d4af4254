"""Secrets never reach a log line: feed URLs, ``?code=``/``?key=``/``?token=`` values, Bearer credentials,
token cookies and secret fields (``"token": ...``, ``join_code``, ``organizer_key``) are redacted.

A calendar feed's URL is its credential (``/e/{slug}/feed/<secret>.ics``), and invitation and join
links carry their code in the query string. uvicorn's access log writes every path with its query,
so ``install()`` (called by the app factory, which ``unconf serve`` uses) puts one filter on every
handler of the root, uvicorn and Litestar loggers; whatever logs a path goes through one of them.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# /e/<slug>/feed/<secret>[.ics]: the secret is the whole last segment.
_FEED = re.compile(r"(/e/[^/\s?#\"']+/feed/)[^/\s?#\"']+")
# A secret in a query string, raw or percent-encoded after a first redirect.
_QUERY = re.compile(r"((?:[?&]|%3F|%26)(?:code|key|token|secret)(?:=|%3D))[^&#\s\"']*", re.IGNORECASE)

# An Authorization header's credential (tokens, organizer keys, the operator's token).
_BEARER = re.compile(r"((?:Bearer|Basic)\s+)[^\s\"',;]+", re.IGNORECASE)
# A token cookie (``unconf_t_<slug>=``, ``unconf_operator=``) as a header or repr would show it.
_COOKIE = re.compile(r"((?:unconf_t_[A-Za-z0-9_-]*|unconf_operator)=)[^;\s\"']+")
# A secret field in a JSON body or a repr: "token": "...", 'join_code': '...'.
_FIELD = re.compile(
    r"""(["']?(?:token|organizer_key|key|join_code|code|secret|password|smtp_password)["']?\s*[:=]\s*["'])"""
    r"""[^"']*""",
    re.IGNORECASE,
)

# _FIELD needs a quoted value after ':' or '='; without one of these the line holds no such field.
_FIELD_MARKS = (':"', ': "', ":'", ": '", '="', "='", '= "', "= '")

LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "litestar")


def redact(text: str) -> str:
    """The text with feed secrets, secret query values, credentials, token cookies and secret fields
    replaced by ``[redacted]``. Each pattern runs only where a cheap substring test says it could match:
    this runs on every log line."""
    lowered = text.lower()
    if "/feed/" in text:
        text = _FEED.sub(rf"\g<1>{REDACTED}", text)
    if "=" in text or "%3d" in lowered:
        text = _QUERY.sub(rf"\g<1>{REDACTED}", text)
    if "bearer" in lowered or "basic" in lowered:
        text = _BEARER.sub(rf"\g<1>{REDACTED}", text)
    if "unconf_" in text:
        text = _COOKIE.sub(rf"\g<1>{REDACTED}", text)
    if any(mark in text for mark in _FIELD_MARKS):
        text = _FIELD.sub(rf"\g<1>{REDACTED}", text)
    return text


def _clean(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments in place; never drops a record.

    The filter sits on loggers and on their handlers, so one record meets it several times; it is
    rewritten on the first (records are not changed after that), the later ones only look at a mark.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_unconf_redacted", False):
            return True
        record._unconf_redacted = True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            # uvicorn's access formatter unpacks these positionally, so they keep their number and order.
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _clean(arg) for key, arg in record.args.items()}
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Put the filter on the loggers that write paths and on each of their handlers; idempotent."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if _FILTER not in target.filters:
                target.addFilter(_FILTER)
