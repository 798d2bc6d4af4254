"""Domain errors (no HTTP in them) and the one JSON error shape the API answers with.

Every failure a client can cause becomes ``{"error": code, "detail": text, "field": name}``
with a 4xx status; the mapping from domain error to status lives only here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.exceptions import NotFoundException as RouteNotFound
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from msgspec import Meta

from unconf.i18n import gettext as _

log = logging.getLogger("unconf")


class DomainError(Exception):
    """Something a client asked for that the rules of the event do not allow."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code

    def extra(self) -> dict[str, Any]:
        """Members this error adds to the one body (such as ``phase``); none by default."""
        return {}

    def headers(self) -> dict[str, str]:
        """Headers the answer carries (such as ``Retry-After``); none by default."""
        return {}


class ValidationFailed(DomainError):
    status_code = 400
    code = "validation_failed"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PhaseConflict(Conflict):
    """The call is not possible in the event's current phase."""

    code = "wrong_phase"

    def __init__(self, detail: str, *, phase: str) -> None:
        super().__init__(detail, field="phase")
        self.phase = phase

    def extra(self) -> dict[str, Any]:
        return {"phase": self.phase}


class DotsExhausted(Conflict):
    code = "dots_exhausted"


class LimitExceeded(DomainError):
    status_code = 403
    code = "limit_exceeded"


class PaymentRequired(DomainError):
    """The event's tier does not include this; the paid tier does."""

    status_code = 402
    code = "payment_required"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ErrorBody(msgspec.Struct, omit_defaults=True, kw_only=True):
    """The one error shape of the unconf API: every 4xx/5xx answer has it."""

    # An error adds members after these through ``DomainError.extra``: ``phase`` (a field here so
    # the OpenAPI schema, generated from this struct, documents it) or an edit conflict's ``current``.

    error: Annotated[str, Meta(description="a stable code such as validation_failed")]
    detail: Annotated[str, Meta(description="what went wrong, for people")]
    field: Annotated[str | None, Meta(description="the field or parameter at fault; null when no one field is")]
    phase: Annotated[str, Meta(description="the event's current phase, on phase conflicts")] | msgspec.UnsetType = (
        msgspec.UNSET
    )


def error_response(
    status: int, body: ErrorBody, headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None
) -> Response[Any]:
    """``extra``: members an error adds after the shape's own (``phase``, a conflict's current state)."""
    content = msgspec.to_builtins(body)
    if extra:
        content.update({key: value for key, value in msgspec.to_builtins(extra).items() if key not in content})
    return Response(
        content=content,
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def domain_error_response(exc: DomainError) -> Response[Any]:
    """The answer to a domain error, wherever it is raised: the API and our pages' scripts alike."""
    return error_response(
        exc.status_code,
        ErrorBody(error=exc.code, detail=exc.detail, field=exc.field),
        headers=exc.headers() or None,
        extra=exc.extra(),
    )


def _domain_error(_request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return domain_error_response(exc)


_PATH_FIELD = re.compile(r"at `\$\.([A-Za-z_][\w]*)")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


def _field_from(message: str) -> str | None:
    for pattern in (_UNKNOWN_FIELD, _MISSING_FIELD, _PATH_FIELD):
        if m := pattern.search(message):
            return m.group(1)
    return None


# msgspec's and Litestar's own messages, one template per kind: the English stays theirs word for word,
# other languages get the translation with the names, types and paths (which are the API's) kept as sent.
_TYPE = r"`(?P<type>[^`]+)`"
_KNOWN_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[], str]], ...] = (
    (
        re.compile(r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`"),
        lambda: _("Expected `{expected}`, got `{got}`"),
    ),
    (
        re.compile(r"Object missing required field `(?P<name>[^`]+)`"),
        lambda: _("Object missing required field `{name}`"),
    ),
    (
        re.compile(r"Object contains unknown field `(?P<name>[^`]+)`"),
        lambda: _("Object contains unknown field `{name}`"),
    ),
    (
        re.compile(rf"Expected {_TYPE} of length (?P<op>[<>]=?) (?P<bound>\S+)"),
        lambda: _("Expected `{type}` of length {op} {bound}"),
    ),
    (
        re.compile(rf"Expected {_TYPE} that's a multiple of (?P<bound>\S+)"),
        lambda: _("Expected `{type}` that's a multiple of {bound}"),
    ),
    (
        re.compile(rf"Expected {_TYPE} matching regex (?P<regex>.+)"),
        lambda: _("Expected `{type}` matching regex {regex}"),
    ),
    (
        re.compile(rf"Expected {_TYPE} with a timezone component"),
        lambda: _("Expected `{type}` with a timezone component"),
    ),
    (
        re.compile(rf"Expected {_TYPE} with no timezone component"),
        lambda: _("Expected `{type}` with no timezone component"),
    ),
    (re.compile(rf"Expected {_TYPE} (?P<op>[<>]=?) (?P<bound>\S+)"), lambda: _("Expected `{type}` {op} {bound}")),
    (re.compile(rf"Expected {_TYPE}"), lambda: _("Expected `{type}`")),
    (re.compile(r"Invalid enum value (?P<value>.+)"), lambda: _("Invalid enum value {value}")),
    (re.compile(r"Invalid value (?P<value>.+)"), lambda: _("Invalid value {value}")),
    (re.compile(r"Invalid RFC3339 encoded (?P<type>\w+)"), lambda: _("Invalid RFC3339 encoded {type}")),
    (
        re.compile(r"Invalid (?P<type>UUID|decimal string|base64 encoded string|base64url encoded string)"),
        lambda: _("Invalid {type}"),
    ),
    (re.compile(r"Integer value out of range"), lambda: _("Integer value out of range")),
    (re.compile(r"Number out of range"), lambda: _("Number out of range")),
    (re.compile(r"JSON is malformed: (?P<reason>.+)"), lambda: _("JSON is malformed: {reason}")),
    (re.compile(r"Input data was truncated"), lambda: _("Input data was truncated")),
    (
        re.compile(r"Missing required (?P<kind>\w+) parameter (?P<name>'[^']*') for path (?P<path>.+)"),
        lambda: _("Missing required {kind} parameter {name} for path {path}"),
    ),
    (
        re.compile(r"Validation failed for (?P<method>\S+) (?P<path>.+)"),
        lambda: _("Validation failed for {method} {path}"),
    ),
    (re.compile(r"Invalid content-length: (?P<value>.+)"), lambda: _("Invalid content-length: {value}")),
    (re.compile(r"Invalid multipart/form-data"), lambda: _("Invalid multipart/form-data")),
    (re.compile(r"Unexpected eof in multipart/form-data"), lambda: _("Unexpected eof in multipart/form-data")),
    (
        re.compile(r"multipart boundary missing in Content-Type"),
        lambda: _("multipart boundary missing in Content-Type"),
    ),
    (re.compile(r"Request Entity Too Large"), lambda: _("the body is too large")),
)
_AT_PATH = re.compile(r"(?P<problem>.+?) - at `(?P<path>[^`]+)`", re.DOTALL)


def describe(message: str) -> str:
    """A message of msgspec's or Litestar's in the request's language (its English unchanged when none fits).

    ``Expected `int`, got `str` - at `$.dots``` reads "Se esperaba `int`, se recibió `str` - en `$.dots`"
    in Spanish; the type names, field names and paths stay as the API spells them.
    """
    if at := _AT_PATH.fullmatch(message):
        return _("{problem} - at `{path}`").format(problem=describe(at.group("problem")), path=at.group("path"))
    for pattern, template in _KNOWN_MESSAGES:
        if m := pattern.fullmatch(message):
            return template().format(**m.groupdict())
    return message


def _validation_problem(exc: ValidationException) -> tuple[str, str | None]:
    """Litestar/msgspec validation: what is wrong (in the request's language), and the first offending field."""
    field: str | None = None
    detail = exc.detail or "invalid request"
    extra = exc.extra
    if isinstance(extra, list) and extra:
        first = extra[0]
        if isinstance(first, dict):
            message = str(first.get("message", ""))
            key = first.get("key")
            field = _field_from(message) or (str(key) if key else None)
            if message:
                detail = message
    elif isinstance(extra, dict):
        field = next(iter(extra), None)
    if field is None:
        field = _field_from(detail)
    if field == "data":
        # Litestar names the body parameter; clients know it as the body.
        return _("a JSON body is required"), "body"
    if "decod" in detail.lower() and field is None:
        field = "body"
    if detail == "invalid request":
        return _("invalid request"), field
    return describe(detail), field


def _validation_error(_request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    detail, field = _validation_problem(exc)
    return error_response(400, ErrorBody(error="validation_failed", detail=detail, field=field))


def _undecodable_body(_request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """Only request bodies are decoded from bytes on our paths: a non-UTF-8 body is the client's."""
    return error_response(
        400,
        ErrorBody(
            error="invalid_body",
            detail=_("the body is not UTF-8 ({reason} at byte {position})").format(
                reason=exc.reason, position=exc.start
            ),
            field="body",
        ),
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _wants_page(request: Request[Any, Any, Any]) -> bool:
    """A person's browser on one of our page paths gets an HTML error page, not JSON."""
    path = request.url.path
    page_path = path.startswith(("/e/", "/new")) and not path.endswith(
        (".ics", ".xml", ".json", ".csv", ".svg", ".png")
    )
    return page_path and "text/html" in request.headers.get("accept", "")


_HTTP_DETAILS: dict[int, Callable[[], str]] = {
    400: lambda: _("the request could not be read"),
    401: lambda: _("you need to sign in for this"),
    403: lambda: _("you may not do this"),
    404: lambda: _("this route does not exist"),
    405: lambda: _("this route does not answer this method"),
    409: lambda: _("this conflicts with the current state"),
    413: lambda: _("the body is too large"),
    415: lambda: _("this media type is not accepted here"),
    429: lambda: _("too many requests; try again later"),
}


def _http_detail(exc: HTTPException) -> str:
    """Litestar's own words for an HTTP error, in the request's language.

    With no words of its own Litestar says the status' reason phrase ("Not Found"): that becomes ours.
    """
    status = exc.status_code
    detail = exc.detail or ""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if not detail or detail == phrase:
        template = _HTTP_DETAILS.get(status)
        return template() if template is not None else _("the request failed")
    return describe(detail)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    # Litestar's own 400s are about a body it could not read (malformed JSON, bad encoding).
    code = "invalid_body" if status == 400 else _HTTP_CODES.get(status, "error")
    return error_response(status, ErrorBody(error=code, detail=_http_detail(exc), field=field_at_fault(exc)), headers)


def field_at_fault(exc: Exception) -> str | None:
    """The ``field`` of the error body for any exception, named the same way for the API and the pages."""
    if isinstance(exc, DomainError):
        return exc.field
    if isinstance(exc, ValidationException):
        return _validation_problem(exc)[1]
    if isinstance(exc, HTTPException):
        return "body" if exc.status_code in (400, 413) else None
    if isinstance(exc, UnicodeDecodeError):
        return "body"
    if isinstance(exc, msgspec.ValidationError):
        return _field_from(str(exc))
    return None


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR,
        ErrorBody(error="internal_error", detail=_("unexpected server error; it has been logged"), field=None),
    )


ExceptionHandler = Callable[[Request[Any, Any, Any], Any], Response[Any]]

_API_HANDLERS: dict[Any, ExceptionHandler] = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    NotAuthorizedException: _http_error,
    PermissionDeniedException: _http_error,
    RouteNotFound: _http_error,
    HTTPException: _http_error,
    UnicodeDecodeError: _undecodable_body,
    Exception: _internal_error,
}


def exception_handlers(render_page: ExceptionHandler | None = None) -> dict[Any, ExceptionHandler]:
    """The app's handlers: JSON in the one error shape, or ``render_page`` for a person's browser on a page path.

    The page renderer belongs to the web layer; the app factory hands it in so the core never imports pages.
    """
    if render_page is None:
        return dict(_API_HANDLERS)
    page = render_page

    def either(api: ExceptionHandler) -> ExceptionHandler:
        def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
            if _wants_page(request) and not isinstance(exc, (ValidationException, UnicodeDecodeError)):
                return page(request, exc)
            return api(request, exc)

        return handle

    handlers = {kind: either(api) for kind, api in _API_HANDLERS.items()}
    handlers[Exception] = _internal_error
    return handlers
