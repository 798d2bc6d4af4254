"""The OpenAPI schema tells the truth about errors: every API 4xx has the one error shape."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

ERRORS = {
    "400": "The body or a parameter is invalid; `field` names it",
    "401": "No valid personal token or organizer key was sent",
    "403": "The token may not do this (wrong role, another event's token, a cross-site request)",
    "404": "No such event, proposal, room, slot or agenda",
    "409": "Not possible in the current phase (`phase` names it) or state",
    "413": "The body is too large",
    "429": "Too many requests; see Retry-After",
}

ERROR_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["error", "detail", "field"],
    properties={
        "error": Schema(type=OpenAPIType.STRING, description="a stable code such as validation_failed"),
        "detail": Schema(type=OpenAPIType.STRING, description="what went wrong, for people"),
        "field": Schema(
            one_of=[Schema(type=OpenAPIType.STRING), Schema(type=OpenAPIType.NULL)],
            description="the field or parameter at fault",
        ),
        "phase": Schema(type=OpenAPIType.STRING, description="the event's current phase, on phase conflicts"),
    },
    description="The one error shape of the unconf API",
)


def document_errors(app: Litestar) -> None:
    schema = app.openapi_schema
    if schema.components is None:
        schema.components = Components()
    if schema.components.schemas is None:
        schema.components.schemas = {}
    schema.components.schemas["ErrorBody"] = ERROR_SCHEMA
    content = {"application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/ErrorBody"))}
    for path, item in (schema.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in ("get", "put", "post", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses or {}
            for status, description in ERRORS.items():
                responses[status] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
