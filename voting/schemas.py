"""Request and response bodies for dot voting."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class VoteCast(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Set how many of my dots sit on one proposal (0 takes them all back)."""

    proposal_id: Annotated[int, Meta(ge=1, le=2**31 - 1)]
    dots: Annotated[int, Meta(ge=0, le=100)] = 1


class VoteOut(msgspec.Struct, kw_only=True):
    proposal_id: int
    dots: int
    dots_left: int
    proposal_votes: int
    proposal_voters: int


class MyVote(msgspec.Struct, kw_only=True):
    proposal_id: int
    dots: int


class MyVotes(msgspec.Struct, kw_only=True):
    dots_per_participant: int
    dots_left: int
    votes: list[MyVote]
