"""What voting holds about a person: their dots. Erasure keeps them, as anonymous tallies."""

from __future__ import annotations

from typing import Any

from unconf.personal_data import Person
from voting.tables import Vote


async def contribute(person: Person) -> dict[str, Any]:
    ids = list(person.participant_ids)
    if not ids:
        return {"votes": []}
    rows = await Vote.select(
        Vote.event.slug.as_alias("event"),
        Vote.proposal.id.as_alias("proposal"),
        Vote.proposal.title.as_alias("title"),
        Vote.dots,
    ).where(Vote.participant.is_in(ids) & (Vote.dots > 0))
    return {"votes": rows}


async def erase(person: Person) -> None:
    """Nothing to remove: the dots stay on the participant row, which events has made anonymous, so every
    tally (and the agenda built on it) stays the same and no vote points at a person any more."""
    return None
