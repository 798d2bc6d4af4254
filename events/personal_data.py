"""What events holds about a person (their participant rows), for the download and for erasure."""

from __future__ import annotations

from typing import Any

from events.services import PERSONAL_ACCESS
from events.tables import Event, Participant
from unconf import realtime
from unconf.auth import Role
from unconf.errors import Forbidden
from unconf.i18n import gettext as _
from unconf.personal_data import Person
from unconf.tokens import hash_token, new_token

ERASED_NAME = "Former participant"


async def contribute(person: Person) -> dict[str, Any]:
    if not person.participant_ids:
        return {"participants": []}
    rows = await Participant.select(
        Participant.id,
        Participant.event.slug.as_alias("event"),
        Participant.display_name,
        Participant.email,
        Participant.role,
        Participant.language,
        Participant.created_at,
    ).where(Participant.id.is_in(list(person.participant_ids)))
    return {"participants": [{**row, "created_at": str(row["created_at"])} for row in rows]}


async def erase(person: Person) -> None:
    """Keep the row (votes and facilitations hang on it, so tallies and agendas stay), drop the person:
    a neutral name, no email, a token nobody holds, no calendar feed."""
    if not person.participant_ids:
        return
    ids = list(person.participant_ids)
    if await Participant.exists().where(Participant.id.is_in(ids) & (Participant.role == Role.ORGANIZER)):
        raise Forbidden(
            _("an organizer's key is the event's only way in: hand the event over before erasing yourself"),
            field="participant",
            code="organizer_cannot_erase",
        )
    for pid in ids:
        await Participant.update(
            {
                Participant.display_name: ERASED_NAME,
                Participant.email: None,
                Participant.token_hash: hash_token(new_token()),
            }
        ).where(Participant.id == pid)
        await PERSONAL_ACCESS.call(pid)


async def after_erasure(person: Person) -> None:
    """The old token is dead in the table; now drop it from every worker's cache of who a token is."""
    for slug in await events_of(person):
        await realtime.forget_access(slug)


async def events_of(person: Person) -> list[str]:
    """The slugs of the events this person is in (for the page that lists what we hold)."""
    if not person.participant_ids:
        return []
    rows = await Event.select(Event.slug).where(
        Event.id.is_in(Participant.select(Participant.event).where(Participant.id.is_in(list(person.participant_ids))))
    )
    return [row["slug"] for row in rows]
