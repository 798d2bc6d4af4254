"""Request and response bodies for communities, members, profiles, blocks, peers and personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Tag = Annotated[str, Meta(max_length=40)]
Tags = Annotated[list[Tag], Meta(max_length=10)]
Visibility = Literal["members", "attendees"]


class CommunityCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new community for the event it is made from (its organizers become the community's)."""

    name: Annotated[str, Meta(min_length=1, max_length=120)]
    slug: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    description: Annotated[str, Meta(max_length=2000)] = ""


class CommunityPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=120)] | None = None
    description: Annotated[str, Meta(max_length=2000)] | None = None
    welcomes_enabled: bool | None = None
    greeter_daily_cap: Annotated[int, Meta(ge=0, le=50)] | None = None


class CommunityEventOut(msgspec.Struct, kw_only=True):
    slug: str
    title: str
    start_date: date
    phase: str


class CommunityOut(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    description: str
    welcomes_enabled: bool
    greeter_daily_cap: int
    events: list[CommunityEventOut]


class MembershipRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Annotated[str, Meta(min_length=3, max_length=254)]


class SigninRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Annotated[str, Meta(min_length=3, max_length=254)]


class SigninRedeem(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, Meta(min_length=1, max_length=200)]


class SigninQueued(msgspec.Struct, kw_only=True):
    """Said the same whether or not the address is a member's, so nobody learns who is."""

    detail: str


class MemberOut(msgspec.Struct, kw_only=True):
    """What a member sees of their own membership."""

    id: int
    community: str
    email: str
    greeter: bool
    events: list[str]
    signin_sent: bool = False


class SignedIn(msgspec.Struct, kw_only=True):
    member: MemberOut
    token: str


class JoinedNext(msgspec.Struct, kw_only=True):
    """A member in one of the community's events: their personal token there, shown once."""

    event: str
    participant_id: int
    token: str


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    display_name: Annotated[str, Meta(max_length=80)] = ""
    role: Annotated[str, Meta(max_length=40)] = ""
    subjects: Tags = msgspec.field(default_factory=list)
    grade_levels: Tags = msgspec.field(default_factory=list)
    city: Annotated[str, Meta(max_length=80)] = ""
    can_help: Tags = msgspec.field(default_factory=list)
    looking_for: Tags = msgspec.field(default_factory=list)
    bio: Annotated[str, Meta(max_length=500)] = ""
    visibility: Visibility = "members"
    in_directory: bool = True
    suggest_as_peer: bool = False


class ProfileOut(msgspec.Struct, kw_only=True):
    display_name: str
    role: str
    subjects: list[str]
    grade_levels: list[str]
    city: str
    can_help: list[str]
    looking_for: list[str]
    bio: str
    visibility: Visibility
    in_directory: bool
    suggest_as_peer: bool


class DirectoryEntry(msgspec.Struct, kw_only=True):
    """A member as other members see them: never an email."""

    member_id: int
    display_name: str
    role: str
    subjects: list[str]
    grade_levels: list[str]
    city: str
    can_help: list[str]
    looking_for: list[str]
    bio: str


class MemberListEntry(msgspec.Struct, kw_only=True):
    """A member as the community's organizers see them (to mark greeters): never an email."""

    member_id: int
    display_name: str
    greeter: bool


class BlockRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant_id: Annotated[int, Meta(ge=1)]


class BlockOut(msgspec.Struct, kw_only=True):
    participant_id: int
    display_name: str


class Peer(msgspec.Struct, kw_only=True):
    """Someone who shares the caller's interests, and what they share."""

    participant_id: int
    display_name: str
    shared_proposals: list[str]
    they_can_help: list[str]
    you_can_help: list[str]
    shared_topics: list[str]
    reason: str
    note_url: str


class Erased(msgspec.Struct, kw_only=True):
    participant_ids: list[int]
    member_ids: list[int]
    detail: str
