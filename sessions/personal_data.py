"""What sessions holds about a person: proposals they wrote, facilitations, stars, note revisions."""

from __future__ import annotations

from typing import Any

from sessions.tables import FacilitatorInvite, Proposal, ProposalFacilitator, SessionNote, Star
from unconf.personal_data import Person


async def contribute(person: Person) -> dict[str, Any]:
    ids = list(person.participant_ids)
    if not ids:
        return {"proposals": [], "facilitating": [], "stars": [], "note_revisions": []}
    proposals = await Proposal.select(
        Proposal.id, Proposal.event.slug.as_alias("event"), Proposal.title, Proposal.description, Proposal.status
    ).where(Proposal.created_by.is_in(ids))
    facilitating = await ProposalFacilitator.select(
        ProposalFacilitator.proposal.id.as_alias("proposal"), ProposalFacilitator.proposal.title.as_alias("title")
    ).where(ProposalFacilitator.participant.is_in(ids))
    stars = await Star.select(Star.proposal.id.as_alias("proposal"), Star.proposal.title.as_alias("title")).where(
        Star.participant.is_in(ids) & (Star.starred == True)  # noqa: E712 (Piccolo builds SQL from ==)
    )
    notes = await SessionNote.select(
        SessionNote.proposal.id.as_alias("proposal"), SessionNote.revision, SessionNote.text, SessionNote.created_at
    ).where(SessionNote.author.is_in(ids))
    return {
        "proposals": proposals,
        "facilitating": facilitating,
        "stars": stars,
        "note_revisions": [{**n, "created_at": str(n["created_at"])} for n in notes],
    }


async def erase(person: Person) -> None:
    """Proposals and notes belong to the session (others voted and wrote there): they lose their author.
    Stars and open facilitator invitations are the person's own, and go."""
    ids = list(person.participant_ids)
    if not ids:
        return
    await Proposal.update({Proposal.created_by: None}).where(Proposal.created_by.is_in(ids))
    await SessionNote.update({SessionNote.author: None}).where(SessionNote.author.is_in(ids))
    await FacilitatorInvite.update({FacilitatorInvite.invited_by: None}).where(FacilitatorInvite.invited_by.is_in(ids))
    await FacilitatorInvite.delete().where(FacilitatorInvite.participant.is_in(ids))
    await Star.delete().where(Star.participant.is_in(ids))
