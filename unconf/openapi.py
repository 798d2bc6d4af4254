"""The OpenAPI schema tells the truth about errors: every API 4xx has the one error shape.

The shape is documented from ``unconf.errors.ErrorBody`` itself, so the schema and the answers
cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

from unconf.errors import ErrorBody

ERRORS = {
    "400": "The body or a parameter is invalid; `field` names it",
    "401": "No valid personal token or organizer key was sent",
    "403": "The token may not do this (wrong role, another event's token, a cross-site request)",
    "404": "No such event, proposal, room, slot or agenda",
    "409": "Not possible in the current phase (`phase` names it) or state",
    "413": "The body is too large",
    "429": "Too many requests; see Retry-After",
}

_COMPONENTS = "#/components/schemas/"
_SCHEMA_FIELDS = {f.name for f in fields(Schema)}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _to_spec(node: Any) -> Any:
    """JSON Schema (as msgspec writes it) to Litestar's OpenAPI objects."""
    if isinstance(node, list):
        return [_to_spec(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return Reference(ref=node["$ref"])
    values: dict[str, Any] = {}
    for key, value in node.items():
        name = _snake(key)
        if name not in _SCHEMA_FIELDS:
            raise ValueError(f"no OpenAPI schema field for JSON Schema keyword {key!r}")
        if name == "type":
            values[name] = OpenAPIType(value)
        elif name == "properties":
            values[name] = {prop: _to_spec(sub) for prop, sub in value.items()}
        else:
            values[name] = _to_spec(value)
    return Schema(**values)


def _error_schema() -> Schema:
    _, components = msgspec.json.schema_components([ErrorBody], ref_template=_COMPONENTS + "{name}")
    schema = _to_spec(components[ErrorBody.__name__])
    assert isinstance(schema, Schema)
    return schema


ERROR_SCHEMA = _error_schema()
"""The error shape, registered once as the ``ErrorBody`` component."""

ERROR_CONTENT: dict[str, OpenAPIMediaType] = {
    "application/json": OpenAPIMediaType(schema=Reference(ref=_COMPONENTS + ErrorBody.__name__))
}
"""The content of every documented error answer: a reference to that one component."""


def document_errors(app: Litestar) -> None:
    schema = app.openapi_schema
    if schema.components is None:
        schema.components = Components()
    if schema.components.schemas is None:
        schema.components.schemas = {}
    schema.components.schemas[ErrorBody.__name__] = ERROR_SCHEMA
    for path, item in (schema.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in ("get", "put", "post", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses or {}
            for status, description in ERRORS.items():
                responses[status] = OpenAPIResponse(description=description, content=ERROR_CONTENT)
            operation.responses = responses
