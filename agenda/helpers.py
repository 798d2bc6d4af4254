"""Who helps run each session: facilitators from the room, and a note-taker for every session.

For a session proposed by someone who wants to learn ("I'd like to learn about this"), or whose
facilitators have all left, the organizer gets suggestions: its voters who offered to help
facilitate (then any ``extra`` candidates the caller knows of, such as people whose community
profile names the topic), never anyone busy facilitating in that slot (the optimizer's
:func:`~agenda.optimizer.suggest_facilitators`). Every session also says whether someone offered to
take notes, so the console can ask for one where nobody has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from agenda import optimizer
from agenda import services as agenda_services
from events.tables import Event, Participant
from sessions.tables import Proposal
from sessions.volunteers import offers_by_proposal
from unconf.errors import NotFound
from unconf.i18n import gettext as _

__all__ = ["Helper", "SessionHelp", "help_needed"]


class Helper(msgspec.Struct, kw_only=True):
    id: int
    display_name: str


class SessionHelp(msgspec.Struct, kw_only=True):
    proposal_id: int
    title: str
    slot_id: int
    learning: bool  # proposed by someone who wants to learn
    facilitators: list[Helper]  # who facilitates now (empty: they left)
    suggested_facilitators: list[Helper]  # only when learning or nobody facilitates
    note_takers: list[Helper]
    needs_note_taker: bool


async def help_needed(event: Event, extra: Mapping[int, Iterable[int]] | None = None) -> list[SessionHelp]:
    """Per session of the agenda being edited (else the published one): its helpers and who could help."""
    try:
        agenda = await agenda_services.read_draft(event)
    except NotFound:
        published = await agenda_services.read_published(event)
        if published is None:
            raise NotFound(_("there is no agenda yet: build one first"), field="agenda") from None
        agenda = published
    problem = await agenda_services.build_problem(event)
    # One entry per session, at its first run: a repeat has the same facilitators and note takers.
    firsts = [s for s in agenda.sessions if s.run == 1]
    assignment = {s.proposal_id: (s.slot_id, s.room_id) for s in firsts}
    repeats = {s.proposal_id: (s.slot_id, s.room_id) for s in agenda.sessions if s.run == 2}
    offers = await offers_by_proposal(event.id)
    learning = {
        r["id"]
        for r in await Proposal.select(Proposal.id).where((Proposal.event == event.id) & (Proposal.learning.eq(True)))
    }
    names = {
        r["id"]: r["display_name"]
        for r in await Participant.select(Participant.id, Participant.display_name).where(Participant.event == event.id)
    }
    known = {p.id for p in problem.proposals}

    def people(ids: Iterable[int]) -> list[Helper]:
        return [Helper(id=i, display_name=names[i]) for i in ids if i in names]

    out = []
    for s in firsts:
        mine = offers.get(s.proposal_id, {})
        wants_one = s.proposal_id in learning or not s.facilitators
        suggested: list[int] = []
        if wants_one and s.proposal_id in known:
            suggested = optimizer.suggest_facilitators(
                problem,
                assignment,
                s.proposal_id,
                mine.get("facilitate", []),
                (extra or {}).get(s.proposal_id, ()),
                repeats=repeats,
            )
        note_takers = people(mine.get("notes", []))
        out.append(
            SessionHelp(
                proposal_id=s.proposal_id,
                title=s.title,
                slot_id=s.slot_id,
                learning=s.proposal_id in learning,
                facilitators=[Helper(id=f.id, display_name=f.display_name) for f in s.facilitators],
                suggested_facilitators=people(suggested),
                note_takers=note_takers,
                needs_note_taker=not note_takers,
            )
        )
    return out
