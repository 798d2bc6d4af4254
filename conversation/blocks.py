"""Blocked people never reach you: the one rule is community's (``is_blocked``, ``blocked_ids``), used here
for notes, replies, emails and the chats people read."""

from __future__ import annotations

from community.services import blocked_ids, is_blocked
from events.tables import Participant


async def blocked_either_way(a: Participant, b: Participant) -> bool:
    """True when one of the two blocked the other (as participants or as members)."""
    return await is_blocked(a.id, b.id)


async def hidden_from(viewer: Participant) -> set[int]:
    """Everyone the viewer blocked or who blocked the viewer."""
    return await blocked_ids(viewer.id)
