"""Request and response bodies for proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

ProposalStatus = Literal["proposed", "withdrawn", "merged", "scheduled"]
Title = Annotated[str, Meta(min_length=1, max_length=120)]
Description = Annotated[str, Meta(max_length=2000)]
Tag = Annotated[str, Meta(min_length=1, max_length=40)]
Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]


class ProposalCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Title
    description: Description = ""
    tags: Annotated[list[Tag], Meta(max_length=10)] = msgspec.field(default_factory=list)
    needs: Annotated[list[Tag], Meta(max_length=10)] = msgspec.field(default_factory=list)
    facilitator_ids: Annotated[list[Id], Meta(max_length=5)] | None = None
    learning: bool = False  # "I'd like to learn about this": someone from the room may lead it


class ProposalPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Title | None = None
    description: Description | None = None
    tags: Annotated[list[Tag], Meta(max_length=10)] | None = None
    needs: Annotated[list[Tag], Meta(max_length=10)] | None = None
    facilitator_ids: Annotated[list[Id], Meta(min_length=1, max_length=5)] | None = None
    learning: bool | None = None


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    into: Id


class FacilitatorOut(msgspec.Struct, kw_only=True):
    id: int
    display_name: str


InvitationStatus = Literal["pending", "accepted", "declined"]


class InvitationOut(msgspec.Struct, kw_only=True):
    """An invitation to facilitate a proposal, as the invited person sees it."""

    proposal_id: int
    title: str
    status: InvitationStatus
    invited_by: FacilitatorOut | None


class ProposalOut(msgspec.Struct, kw_only=True):
    id: int
    title: str
    description: str
    tags: list[str]
    needs: list[str]
    status: ProposalStatus
    facilitators: list[FacilitatorOut]
    votes: int
    voters: int
    merged_into: int | None
    created_at: datetime
    learning: bool = False
