"""OpenAPI for file answers: their real content types, 304, and the one error shape.

Litestar documents a ``Response[bytes]`` handler as JSON with only 200 and 400, and the app
documents errors only under /api/; file routes say the truth here instead (schemathesis checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIHeader, OpenAPIMediaType, OpenAPIResponse, Operation, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

from unconf.openapi import ERROR_CONTENT, ERRORS

_TEXT = Schema(type=OpenAPIType.STRING)
_HEADERS: dict[str, OpenAPIHeader | Reference] = {
    "ETag": OpenAPIHeader(schema=_TEXT, description="send it back as If-None-Match to get a 304"),
    "Last-Modified": OpenAPIHeader(schema=_TEXT, description="send it back as If-Modified-Since to get a 304"),
    "Content-Disposition": OpenAPIHeader(schema=_TEXT, description="the file name"),
}


def _body_schema(media_type: str) -> Schema:
    if media_type == "application/json":
        return Schema(type=OpenAPIType.OBJECT)
    if media_type.startswith("image/png"):
        return Schema(type=OpenAPIType.STRING, content_media_type=media_type)
    return _TEXT


def file_operation(*media_types: str, description: str = "The file") -> type[Operation]:
    """An Operation class for ``operation_class=`` that documents a file answer in these media types."""
    types = list(dict.fromkeys(m.split(";")[0].strip() for m in media_types))

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            responses = dict(self.responses or {})
            responses["200"] = OpenAPIResponse(
                description=description,
                headers=_HEADERS,
                content={m: OpenAPIMediaType(schema=_body_schema(m)) for m in types},
            )
            responses["304"] = OpenAPIResponse(description="Not modified: the ETag or Last-Modified still holds")
            for status, text in ERRORS.items():
                responses[status] = OpenAPIResponse(description=text, content=ERROR_CONTENT)
            self.responses = responses

    return FileOperation
