"""Rows for spreadsheets: the agenda, proposals with their votes, participants. No HTTP here.

Public tables never carry an email; only ``participant_rows`` (organizers) does.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import msgspec

from events.services import list_participants
from events.tables import Event, Participant
from exports.schedule import Schedule
from sessions.services import list_proposals
from sessions.tables import ProposalFacilitator
from unconf.csvsafe import defuse_formula
from voting.services import dots_by_participant

Row = dict[str, Any]


def agenda_rows(schedule: Schedule) -> list[Row]:
    return [
        {
            "proposal_id": i.proposal_id,
            "guid": str(i.guid),
            "title": i.title,
            "starts_at": i.starts_at.isoformat(timespec="minutes"),
            "ends_at": i.ends_at.isoformat(timespec="minutes"),
            "slot": i.slot_label,
            "room": i.room.name,
            "facilitators": "; ".join(p.name for p in i.facilitators),
            "video_link": i.video_link,
            "url": schedule.session_url(i.proposal_id),
            "votes": i.votes,
            "voters": i.voters,
            "status": "cancelled" if i.cancelled else "confirmed",
            "run": i.run,
        }
        for i in schedule.items
    ]


async def proposal_rows(event: Event) -> list[Row]:
    return [
        {
            "proposal_id": p.id,
            "title": p.title,
            "status": p.status,
            "tags": "; ".join(p.tags),
            "needs": "; ".join(p.needs),
            "facilitators": "; ".join(f.display_name for f in p.facilitators),
            "votes": p.votes,
            "voters": p.voters,
            "merged_into": p.merged_into if p.merged_into is not None else "",
            "created_at": p.created_at.isoformat(timespec="seconds"),
        }
        for p in await list_proposals(event)
    ]


async def participant_rows(event: Event) -> list[Row]:
    """Organizers only: includes emails."""
    people = await list_participants(event)
    joined = {
        r["id"]: r["created_at"]
        for r in await Participant.select(Participant.id, Participant.created_at).where(Participant.event == event.id)
    }
    facilitating = Counter(
        r["participant"]
        for r in await ProposalFacilitator.select(ProposalFacilitator.participant).where(
            ProposalFacilitator.proposal.event == event.id
        )
    )
    dots = await dots_by_participant(event.id)
    return [
        {
            "participant_id": p.id,
            "display_name": p.display_name,
            "role": p.role,
            "email": p.email or "",
            "joined_at": joined[p.id].isoformat(timespec="seconds") if p.id in joined else "",
            "facilitating": facilitating.get(p.id, 0),
            "dots_spent": dots.get(p.id, 0),
        }
        for p in people
    ]


def to_csv(rows: list[Row], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: defuse_formula(v) if isinstance(v, str) else v for k, v in row.items()})
    # A BOM so that Excel reads UTF-8 names correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_json(rows: list[Row], **meta: Any) -> bytes:
    return msgspec.json.format(msgspec.json.encode({**meta, "rows": rows}), indent=2)


AGENDA_COLUMNS = [
    "proposal_id", "guid", "title", "starts_at", "ends_at", "slot", "room", "facilitators", "video_link", "url",
    "votes", "voters", "status", "run",
]  # fmt: skip
PROPOSAL_COLUMNS = [
    "proposal_id", "title", "status", "tags", "needs", "facilitators", "votes", "voters", "merged_into", "created_at",
]  # fmt: skip
PARTICIPANT_COLUMNS = [
    "participant_id", "display_name", "role", "email", "joined_at", "facilitating", "dots_spent",
]  # fmt: skip
