"""What people holds about a person: the registrant row an organizer imported (email, names)."""

from __future__ import annotations

from typing import Any

from people.tables import Registrant
from unconf.personal_data import Person


async def contribute(person: Person) -> dict[str, Any]:
    ids = list(person.participant_ids)
    if not ids:
        return {"registrations": []}
    rows = await Registrant.select(
        Registrant.event.slug.as_alias("event"),
        Registrant.email_key.as_alias("email"),
        Registrant.first_name,
        Registrant.last_name,
        Registrant.source,
        Registrant.external_id,
    ).where(Registrant.participant.is_in(ids))
    return {"registrations": rows}


async def erase(person: Person) -> None:
    ids = list(person.participant_ids)
    if ids:
        await Registrant.delete().where(Registrant.participant.is_in(ids))
