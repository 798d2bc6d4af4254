"""Helping a session: "I can help facilitate" and "I'll take notes", one offer per person and role.

Offers are what the agenda's facilitator suggestions draw on (a session proposed by someone who
wants to learn, or whose facilitator left) and how a session gets its note-taker. A person offers
or withdraws only their own; organizers see who offered, nobody else does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

import msgspec

from events.services import require_phase
from events.tables import Event, Participant
from sessions.services import LIVE_STATUSES, get_proposal, status_word
from sessions.tables import Volunteer
from unconf.database import write_transaction
from unconf.errors import Conflict
from unconf.i18n import gettext as _
from unconf.validation import utcnow

__all__ = ["MyOffers", "VolunteerSet", "offers_by_proposal", "set_offer"]

Role = Literal["facilitate", "notes"]
ROLES: tuple[Role, ...] = ("facilitate", "notes")
OFFER_PHASES = ("proposals", "voting", "scheduled", "running")


class VolunteerSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    role: Role
    volunteering: bool = True


class MyOffers(msgspec.Struct, kw_only=True):
    proposal_id: int
    facilitate: bool
    notes: bool


async def _mine(proposal_id: int, participant_id: int) -> set[str]:
    rows = await Volunteer.select(Volunteer.role).where(
        (Volunteer.proposal == proposal_id) & (Volunteer.participant == participant_id)
    )
    return {r["role"] for r in rows}


async def set_offer(event: Event, who: Participant, proposal_id: int, data: VolunteerSet) -> MyOffers:
    """Offer (or withdraw) help with a session; offering twice changes nothing."""
    require_phase(event, *OFFER_PHASES, action="offer help with a session")
    proposal = await get_proposal(event, proposal_id)
    if proposal.status not in LIVE_STATUSES:
        raise Conflict(
            _("proposal {proposal_id} is {status}").format(
                proposal_id=proposal.id, status=status_word(proposal.status)
            ),
            field="proposal_id",
        )
    async with write_transaction():
        held = await _mine(proposal.id, who.id)
        if data.volunteering and data.role not in held:
            await Volunteer(
                event=event.id, proposal=proposal.id, participant=who.id, role=data.role, created_at=utcnow()
            ).save()
        elif not data.volunteering and data.role in held:
            await Volunteer.delete().where(
                (Volunteer.proposal == proposal.id) & (Volunteer.participant == who.id) & (Volunteer.role == data.role)
            )
    held = await _mine(proposal.id, who.id)
    return MyOffers(proposal_id=proposal.id, facilitate="facilitate" in held, notes="notes" in held)


async def offers_by_proposal(event_id: int) -> dict[int, dict[str, list[int]]]:
    """proposal -> role -> participant ids, in the order they offered."""
    out: dict[int, dict[str, list[int]]] = defaultdict(lambda: {role: [] for role in ROLES})
    rows = (
        await Volunteer.select(Volunteer.proposal, Volunteer.participant, Volunteer.role)
        .where(Volunteer.event == event_id)
        .order_by(Volunteer.id)
    )
    for r in rows:
        if r["role"] in ROLES:
            out[r["proposal"]][r["role"]].append(r["participant"])
    return dict(out)
