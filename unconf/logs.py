"""Logs: readable lines by default, one JSON object per line with ``UNCONF_LOG_FORMAT=json``.

Every line carries the request id of the request it belongs to (``-`` outside one). The id comes from
``X-Request-ID`` when a proxy sent a well-formed one, or is made here, and every answer carries it back
in ``X-Request-ID``, so a user's report, the proxy's log and ours meet. Every formatted line, uvicorn's
access log and tracebacks included, goes through ``unconf.logredact`` last, so no secret is written.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from unconf.logredact import RedactSecrets, redact

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID: ContextVar[str] = ContextVar("unconf_request_id", default="-")
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str:
    return _REQUEST_ID.get()


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the request being served (or ``-``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get()
        return True


class TextFormatter(logging.Formatter):
    """Readable lines; the whole line, traceback included, redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get()
        return redact(super().format(record))


_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (and the access log's fields)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _REQUEST_ID.get()),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            out |= dict(zip(_ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, default=str, ensure_ascii=False))


def formatter(kind: str) -> logging.Formatter:
    return JSONFormatter() if kind == "json" else TextFormatter()


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's ``log_config``: one handler on stderr for uvicorn, its access log, Litestar and ours."""
    from unconf.settings import get_settings

    kind = get_settings().log_format
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": kind,
        "filters": ["request_id", "redact"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "redact": {"()": RedactSecrets},
        },
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JSONFormatter}},
        "handlers": {"default": handler},
        "loggers": {
            "": {"handlers": ["default"], "level": "INFO"},
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
        },
    }


def configure(kind: str) -> None:
    """Outside ``unconf serve`` (a test client, a command): the root logger writes our format."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        if not isinstance(handler.formatter, TextFormatter | JSONFormatter):
            handler.setFormatter(formatter(kind))
        for extra in (RequestIdFilter(), RedactSecrets()):
            if not any(type(f) is type(extra) for f in handler.filters):
                handler.addFilter(extra)


class RequestId:
    """ASGI wrapper: a request id for every HTTP request and WebSocket, in the logs and ``X-Request-ID``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sent = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                sent = value.decode("latin-1")
                break
        request_id = sent if _WELL_FORMED.fullmatch(sent) else uuid.uuid4().hex
        token = _REQUEST_ID.set(request_id)

        async def with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            _REQUEST_ID.reset(token)
