"""Request and response bodies for rooms."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

RoomKind = Literal["physical", "virtual", "hybrid"]
Feature = Annotated[str, Meta(min_length=1, max_length=40)]
Url = Annotated[str, Meta(max_length=500)]


class RoomCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    capacity: Annotated[int, Meta(ge=1, le=100_000)]
    kind: RoomKind = "physical"
    accessibility_notes: Annotated[str, Meta(max_length=1000)] = ""
    video_link: Url = ""
    features: Annotated[list[Feature], Meta(max_length=10)] = msgspec.field(default_factory=list)
    position: Annotated[int, Meta(ge=0, le=10_000)] | None = None


class RoomPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=80)] | None = None
    capacity: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    kind: RoomKind | None = None
    accessibility_notes: Annotated[str, Meta(max_length=1000)] | None = None
    video_link: Url | None = None
    features: Annotated[list[Feature], Meta(max_length=10)] | None = None
    position: Annotated[int, Meta(ge=0, le=10_000)] | None = None


class RoomOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    capacity: int
    kind: RoomKind
    accessibility_notes: str
    video_link: str
    features: list[str]
    position: int
