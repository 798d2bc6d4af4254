"""How every route reads a JSON body: too deep is refused before decoding, and types are strict.

Litestar decodes a JSON body once, in ``Request.json``, and then converts it to the handler's
``data`` type with lenient rules (``"2"`` would become ``2``). The app's request class (this
module's ``Request``) puts two rules in front of that, for every route at once:

- a body nested deeper than ``MAX_JSON_DEPTH`` is refused before any decoder recurses into it;
- a body that only fits the ``data`` type by coercing a value (a string for a number, a number
  for a string, ...) is refused, naming the field.

Pages post forms, not JSON, and convert the form's strings themselves.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request as LitestarRequest
from litestar.utils.empty import value_or_default

from unconf.errors import ValidationFailed, describe
from unconf.i18n import gettext as _

MAX_JSON_DEPTH = 64
"""The deepest a JSON body may nest arrays and objects; no request of ours comes near it."""

# A JSON string (escapes included) or one bracket: brackets inside strings are text, not nesting.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")
_PATH = re.compile(r"at `\$\.?([^`]*)`")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``raw`` nests arrays and objects more than ``limit`` levels deep (checked without decoding)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if len(token) != 1:
            continue
        if token[0] in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def check_depth(raw: bytes) -> None:
    if json_too_deep(raw):
        raise ValidationFailed(
            _("the JSON body nests arrays or objects more than {depth} levels deep").format(depth=MAX_JSON_DEPTH),
            field="body",
            code="body_too_deep",
        )


def check_strict(raw: bytes, target: Any) -> None:
    """Refuse a body that fits ``target`` only by coercion; other problems stay Litestar's to report."""
    try:
        msgspec.json.decode(raw, type=target, strict=True)
        return
    except msgspec.ValidationError as exc:
        strict_problem = str(exc)
    except (msgspec.DecodeError, TypeError):
        return  # not JSON at all, or a type msgspec cannot decode alone: reported as before
    try:
        msgspec.json.decode(raw, type=target, strict=False)
    except (msgspec.DecodeError, TypeError):
        return  # wrong even when lenient: the usual validation error names it
    match = _PATH.search(strict_problem)
    field = match.group(1) if match and match.group(1) else "body"
    detail = strict_problem.split(" - at ", 1)[0]
    raise ValidationFailed(
        _("{field}: {problem} (values are not converted between types)").format(field=field, problem=describe(detail)),
        field=field,
    )


class Request(LitestarRequest[Any, Any, Any]):
    """The app's request class (``Litestar(request_class=...)``)."""

    async def json(self) -> Any:
        if value_or_default(self._connection_state.json, None) is None and value_or_default(self._json, None) is None:
            raw = await self.body()
            if raw:
                check_depth(raw)
                data_field = self.route_handler.parsed_data_field
                if data_field is not None:
                    check_strict(raw, data_field.annotation)
        return await super().json()
