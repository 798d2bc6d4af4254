"""What rhythm holds about a person: the topics of theirs offered to a series' next event, and their answers.

Erasing keeps the offers (a topic carried over stays in the next event, without a name) and drops the
link to the person: nobody is asked again, and nothing says whose topic it was.
"""

from __future__ import annotations

from typing import Any

from rhythm.tables import CarryOffer
from unconf.personal_data import Person


async def contribute(person: Person) -> dict[str, Any]:
    ids = list(person.participant_ids)
    if not ids:
        return {"carried_topics": []}
    rows = await CarryOffer.select(
        CarryOffer.from_event.slug.as_alias("event"),
        CarryOffer.proposal.title.as_alias("topic"),
        CarryOffer.reason,
        CarryOffer.interest,
        CarryOffer.answer,
        CarryOffer.created_at,
    ).where(CarryOffer.proposer.is_in(ids))
    return {"carried_topics": [{**r, "created_at": str(r["created_at"])} for r in rows]}


async def erase(person: Person) -> None:
    ids = list(person.participant_ids)
    if ids:
        await CarryOffer.update({CarryOffer.proposer: None}).where(CarryOffer.proposer.is_in(ids))
