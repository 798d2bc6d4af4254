"""Shared notes per session: Markdown anyone in the event may edit, every save a new revision.

A save names the revision it started from (``base_revision``); if someone saved in between, the
save is refused with 409 and the current text, so the editor can merge by hand and nothing is lost.
Markdown is rendered with raw HTML disabled (markdown-it-py), so notes cannot inject markup.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from markdown_it import MarkdownIt
from msgspec import Meta

from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event, Participant
from sessions.services import get_proposal
from sessions.tables import SessionNote
from unconf import live, realtime
from unconf.database import write_transaction
from unconf.errors import Conflict, NotFound
from unconf.guards import requires_participant
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.validation import aware as _aware
from unconf.validation import clean_text, utcnow

MAX_NOTES = 50_000


class NoteSave(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    base_revision: Annotated[int, Meta(ge=0, le=2**31 - 1, description="the revision you edited; 0 for none")]
    text: Annotated[str, Meta(max_length=MAX_NOTES)]


class NoteOut(msgspec.Struct, kw_only=True):
    proposal_id: int
    revision: int
    text: str
    html: str
    author: str | None
    updated_at: datetime | None
    notes_url: str


class RevisionOut(msgspec.Struct, kw_only=True):
    revision: int
    author: str | None
    created_at: datetime
    characters: int


class NoteConflict(Conflict):
    """Someone saved since ``base_revision``; the 409 carries the current notes (``current``) to merge with."""

    code = "edit_conflict"

    def __init__(self, current: NoteOut) -> None:
        super().__init__(
            _(
                "the notes changed since the revision you edited (now revision {revision}); "
                "merge your text with the current one and save again"
            ).format(revision=current.revision),
            field="base_revision",
        )
        self.current = current

    def extra(self) -> dict[str, Any]:
        return {"current": self.current}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> str:
    """Safe HTML: raw HTML is escaped, and markdown-it refuses javascript:/vbscript:/data: links."""
    return str(_markdown().render(text))


def notes_url(slug: str, proposal_id: int) -> str:
    return f"{get_settings().public_url}/e/{slug}/s/{proposal_id}/notes"


async def _author_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Participant.select(Participant.id, Participant.display_name).where(Participant.id.is_in(list(ids)))
    return {r["id"]: r["display_name"] for r in rows}


async def _latest(proposal_id: int) -> SessionNote | None:
    return (
        await SessionNote.objects()
        .where(SessionNote.proposal == proposal_id)
        .order_by(SessionNote.revision, ascending=False)
        .first()
    )


async def _note_out(event: Event, proposal_id: int, note: SessionNote | None) -> NoteOut:
    if note is None:
        return NoteOut(
            proposal_id=proposal_id,
            revision=0,
            text="",
            html="",
            author=None,
            updated_at=None,
            notes_url=notes_url(event.slug, proposal_id),
        )
    names = await _author_names({note.author} if note.author else set())
    return NoteOut(
        proposal_id=proposal_id,
        revision=note.revision,
        text=note.text,
        html=render_markdown(note.text),
        author=names.get(note.author) if note.author else None,
        updated_at=_aware(note.created_at),
        notes_url=notes_url(event.slug, proposal_id),
    )


async def read_notes(event: Event, proposal_id: int) -> NoteOut:
    proposal = await get_proposal(event, proposal_id)
    return await _note_out(event, proposal.id, await _latest(proposal.id))


async def save_notes(event: Event, who: Participant, proposal_id: int, data: NoteSave) -> NoteOut:
    """A new revision on top of ``base_revision``, or NoteConflict with the current text."""
    proposal = await get_proposal(event, proposal_id)
    text = clean_text(data.text, "text", max_length=MAX_NOTES, multiline=True, required=False)
    try:
        async with write_transaction():
            latest = await _latest(proposal.id)
            current = latest.revision if latest else 0
            if data.base_revision != current:
                raise NoteConflict(await _note_out(event, proposal.id, latest))
            if latest is not None and latest.text == text:
                return await _note_out(event, proposal.id, latest)
            note = SessionNote(
                event=event.id,
                proposal=proposal.id,
                revision=current + 1,
                text=text,
                author=who.id,
                created_at=utcnow(),
            )
            await note.save()
    except NoteConflict:
        raise
    except Exception as exc:  # PostgreSQL: a concurrent save took this revision number first
        if "unique" not in str(exc).lower():
            raise
        raise NoteConflict(await _note_out(event, proposal.id, await _latest(proposal.id))) from exc
    out = await _note_out(event, proposal.id, note)
    changed = live.NotesData(proposal_id=proposal.id, revision=out.revision, author=out.author)
    await realtime.publish(event.slug, live.NotesChanged(data=changed))
    return out


async def list_revisions(event: Event, proposal_id: int) -> list[RevisionOut]:
    proposal = await get_proposal(event, proposal_id)
    notes = await SessionNote.objects().where(SessionNote.proposal == proposal.id).order_by(SessionNote.revision)
    names = await _author_names({n.author for n in notes if n.author})
    return [
        RevisionOut(
            revision=n.revision,
            author=names.get(n.author) if n.author else None,
            created_at=_aware(n.created_at),
            characters=len(n.text),
        )
        for n in notes
    ]


async def read_revision(event: Event, proposal_id: int, revision: int) -> NoteOut:
    proposal = await get_proposal(event, proposal_id)
    if not 0 < revision <= 2**31 - 1:
        raise NotFound(_("no revision {revision} of these notes").format(revision=revision), field="revision")
    note = (
        await SessionNote.objects()
        .where((SessionNote.proposal == proposal.id) & (SessionNote.revision == revision))
        .first()
    )
    if note is None:
        raise NotFound(_("no revision {revision} of these notes").format(revision=revision), field="revision")
    return await _note_out(event, proposal.id, note)


class NotesController(Controller):
    path = "/api/v1/events/{slug:str}/sessions/{proposal_id:int}/notes"
    tags = ["notes"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="A session's notes (Markdown and safe HTML)")
    async def get_notes(self, event: NamedDependency[Event], proposal_id: FromPath[int]) -> NoteOut:
        return await read_notes(event, proposal_id)

    @put(
        "/",
        summary="Save the notes as a new revision; 409 with the current text if someone saved first",
        guards=[requires_participant],
    )
    async def put_notes(
        self,
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        proposal_id: FromPath[int],
        data: JSONBody[NoteSave],
    ) -> NoteOut:
        return await save_notes(event, participant, proposal_id, data)

    @get("/revisions", summary="Every saved revision, oldest first")
    async def get_revisions(self, event: NamedDependency[Event], proposal_id: FromPath[int]) -> list[RevisionOut]:
        return await list_revisions(event, proposal_id)

    @get("/revisions/{revision:int}", summary="One earlier revision")
    async def get_revision(
        self, event: NamedDependency[Event], proposal_id: FromPath[int], revision: FromPath[int]
    ) -> NoteOut:
        return await read_revision(event, proposal_id, revision)


async def latest_notes_by_proposal(event_id: int) -> dict[int, list[str]]:
    """The current notes of every session of an event (for the post-event digest)."""
    latest: dict[int, tuple[int, str]] = {}
    rows = await SessionNote.select(SessionNote.proposal, SessionNote.revision, SessionNote.text).where(
        SessionNote.event == event_id
    )
    for row in rows:
        if row["proposal"] not in latest or row["revision"] > latest[row["proposal"]][0]:
            latest[row["proposal"]] = (row["revision"], row["text"])
    return {pid: [text] for pid, (_, text) in latest.items() if text.strip()}
