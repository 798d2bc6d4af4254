"""What notify holds about a person: the emails queued or sent to them."""

from __future__ import annotations

from typing import Any

from notify.tables import Outbox
from unconf.personal_data import Person


async def contribute(person: Person) -> dict[str, Any]:
    ids = list(person.participant_ids)
    if not ids:
        return {"emails": []}
    rows = await Outbox.select(Outbox.kind, Outbox.recipient, Outbox.subject, Outbox.status, Outbox.created_at).where(
        Outbox.participant.is_in(ids)
    )
    return {"emails": [{**r, "created_at": str(r["created_at"])} for r in rows]}


async def erase(person: Person) -> None:
    ids = list(person.participant_ids)
    if ids:
        await Outbox.delete().where(Outbox.participant.is_in(ids))
