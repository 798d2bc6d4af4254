"""Who has blocked whom, read from community's ``Block`` rows: blocked people never reach you.

A block is recorded by participant and, for members, by member too (so it holds at the community's
next event); both are resolved here for the two participants of one event.
"""

from __future__ import annotations

from community.tables import Attendance, Block
from events.tables import Participant


async def _members_of(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = await Attendance.select(Attendance.participant, Attendance.member).where(Attendance.participant.is_in(ids))
    return {r["participant"]: r["member"] for r in rows}


async def blocked_either_way(a: Participant, b: Participant) -> bool:
    """True when one of the two blocked the other (by participant or by member)."""
    members = await _members_of([a.id, b.id])
    for one, other in ((a.id, b.id), (b.id, a.id)):
        side = (Block.blocker_participant == one) & (Block.blocked_participant == other)
        if await Block.exists().where(side):
            return True
        m_one, m_other = members.get(one), members.get(other)
        if m_one is not None and m_other is not None:
            by_member = (Block.blocker_member == m_one) & (Block.blocked_member == m_other)
            if await Block.exists().where(by_member):
                return True
        if m_one is not None and await Block.exists().where(
            (Block.blocker_member == m_one) & (Block.blocked_participant == other)
        ):
            return True
        if m_other is not None and await Block.exists().where(
            (Block.blocker_participant == one) & (Block.blocked_member == m_other)
        ):
            return True
    return False


async def hidden_from(viewer: Participant) -> set[int]:
    """Participants of the viewer's event the viewer blocked or who blocked the viewer."""
    member = (await _members_of([viewer.id])).get(viewer.id)
    mine = Block.blocker_participant == viewer.id
    theirs = Block.blocked_participant == viewer.id
    if member is not None:
        mine = mine | (Block.blocker_member == member)
        theirs = theirs | (Block.blocked_member == member)
    rows = await Block.select(
        Block.blocker_participant, Block.blocker_member, Block.blocked_participant, Block.blocked_member
    ).where(mine | theirs)
    people: set[int] = set()
    members: set[int] = set()
    for r in rows:
        for p_key, m_key in (("blocker_participant", "blocker_member"), ("blocked_participant", "blocked_member")):
            if r[p_key] is not None and r[p_key] != viewer.id:
                people.add(r[p_key])
            if r[m_key] is not None and r[m_key] != member:
                members.add(r[m_key])
    if members:
        event_people = await Participant.select(Participant.id).where(Participant.event == viewer.event)
        ids = [p["id"] for p in event_people]
        for participant, m in (await _members_of(ids)).items():
            if m in members:
                people.add(participant)
    people.discard(viewer.id)
    return people
