"""Secrets never reach a log line: feed URLs and ``?code=``/``?key=``/``?token=`` values are redacted.

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

LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "litestar")


def redact(text: str) -> str:
    """The text with feed secrets and secret query values replaced by ``[redacted]``."""
    if "/feed/" not in text and "=" not in text and "%3D" not in text.upper():
        return text
    return _QUERY.sub(rf"\g<1>{REDACTED}", _FEED.sub(rf"\g<1>{REDACTED}", text))


def _clean(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
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
