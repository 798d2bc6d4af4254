"""Mutes and reports: organizers keep the conversation kind; one place for both chats and notes."""

from __future__ import annotations

from typing import Any

from conversation.schemas import MuteOut, ReportOut
from conversation.tables import ChatMessage, ConversationMute, ConversationReport, PersonalNote
from events.tables import Event, Participant
from unconf.errors import Conflict, Forbidden, NotFound
from unconf.i18n import gettext as _
from unconf.validation import aware, clean_text, utcnow

MAX_REASON = 300


async def is_muted(who: Participant) -> bool:
    return bool(await ConversationMute.exists().where(ConversationMute.participant == who.id))


async def refuse_if_muted(who: Participant) -> None:
    if await is_muted(who):
        raise Forbidden(_("the organizers muted you for this event: you can read, not write"), code="muted")


async def event_person(event: Event, participant_id: int, field: str = "participant_id") -> Participant:
    """A participant of this event, or 404 (never telling whether the id exists elsewhere)."""
    person = (
        await Participant.objects().where((Participant.id == participant_id) & (Participant.event == event.id)).first()
        if 0 < participant_id <= 2**31 - 1
        else None
    )
    if person is None:
        raise NotFound(
            _("no participant {participant_id} in this event").format(participant_id=participant_id), field=field
        )
    return person


async def mute(event: Event, organizer: Participant, participant_id: int, reason: str) -> MuteOut:
    person = await event_person(event, participant_id)
    if person.id == organizer.id:
        raise Conflict(_("you cannot mute yourself"), field="participant_id")
    reason = clean_text(reason, "reason", max_length=MAX_REASON, required=False)
    existing = await ConversationMute.objects().where(ConversationMute.participant == person.id).first()
    if existing is None:
        existing = ConversationMute(
            event=event.id, participant=person.id, muted_by=organizer.id, reason=reason, created_at=utcnow()
        )
        await existing.save()
    return MuteOut(
        participant_id=person.id,
        display_name=person.display_name,
        reason=existing.reason,
        created_at=aware(existing.created_at) or utcnow(),
    )


async def unmute(event: Event, participant_id: int) -> None:
    person = await event_person(event, participant_id)
    await ConversationMute.delete().where(ConversationMute.participant == person.id)


async def mutes(event: Event) -> list[MuteOut]:
    rows = await ConversationMute.objects().where(ConversationMute.event == event.id).order_by(ConversationMute.id)
    names = await names_of({r.participant for r in rows})
    return [
        MuteOut(
            participant_id=r.participant,
            display_name=names.get(r.participant, ""),
            reason=r.reason,
            created_at=aware(r.created_at) or utcnow(),
        )
        for r in rows
    ]


async def names_of(ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await Participant.select(Participant.id, Participant.display_name).where(Participant.id.is_in(wanted))
    return {r["id"]: r["display_name"] for r in rows}


async def report(
    event: Event, reporter: Participant, *, note_id: int | None = None, chat_id: int | None = None, reason: str
) -> ReportOut:
    """Tell the organizers; reporting the same thing twice is one report."""
    reason = clean_text(reason, "reason", max_length=MAX_REASON, required=False)
    for value, field in ((note_id, "note_id"), (chat_id, "message_id")):
        if value is not None and not 0 < value <= 2**31 - 1:
            raise NotFound(
                (_("no note {note_id} here") if field == "note_id" else _("no chat message {message_id} here")).format(
                    note_id=value, message_id=value
                ),
                field=field,
            )
    if note_id is not None:
        note = (
            await PersonalNote.objects()
            .where(
                (PersonalNote.id == note_id)
                & (PersonalNote.event == event.id)
                & ((PersonalNote.recipient == reporter.id) | (PersonalNote.sender == reporter.id))
            )
            .first()
        )
        if note is None:
            raise NotFound(_("no note {note_id} of yours").format(note_id=note_id), field="note_id")
        condition = ConversationReport.note == note.id
    elif chat_id is not None:
        line = await ChatMessage.objects().where((ChatMessage.id == chat_id) & (ChatMessage.event == event.id)).first()
        if line is None:
            raise NotFound(
                _("no chat message {message_id} in this event").format(message_id=chat_id), field="message_id"
            )
        condition = ConversationReport.chat_message == line.id
    else:
        raise NotFound(_("nothing to report"), field="note_id")
    existing = (
        await ConversationReport.objects().where(condition & (ConversationReport.reporter == reporter.id)).first()
    )
    if existing is None:
        existing = ConversationReport(
            event=event.id, reporter=reporter.id, note=note_id, chat_message=chat_id, reason=reason, created_at=utcnow()
        )
        await existing.save()
    return (await reports(event, only=existing.id))[0]


async def reports(event: Event, *, only: int | None = None) -> list[ReportOut]:
    """What people reported, newest first, with the words reported and who wrote them (organizers only)."""
    condition: Any = ConversationReport.event == event.id
    if only is not None:
        condition = condition & (ConversationReport.id == only)
    rows = (
        await ConversationReport.objects().where(condition).order_by(ConversationReport.id, ascending=False).limit(500)
    )
    note_ids = [r.note for r in rows if r.note]
    chat_ids = [r.chat_message for r in rows if r.chat_message]
    notes = {n.id: n for n in await PersonalNote.objects().where(PersonalNote.id.is_in(note_ids))} if note_ids else {}
    lines = {c.id: c for c in await ChatMessage.objects().where(ChatMessage.id.is_in(chat_ids))} if chat_ids else {}
    authors: dict[int, int | None] = {}
    texts: dict[int, tuple[str, bool]] = {}
    for r in rows:
        if r.note and r.note in notes:
            n = notes[r.note]
            authors[r.id] = n.sender
            texts[r.id] = (n.text, n.removed_at is not None)
        elif r.chat_message and r.chat_message in lines:
            c = lines[r.chat_message]
            authors[r.id] = c.author
            texts[r.id] = (c.text, c.removed_at is not None)
    names = await names_of({*authors.values(), *(r.reporter for r in rows)})
    muted = {
        m["participant"]
        for m in await ConversationMute.select(ConversationMute.participant).where(ConversationMute.event == event.id)
    }
    return [
        ReportOut(
            id=r.id,
            kind="note" if r.note else "chat",
            note_id=r.note,
            message_id=r.chat_message,
            reason=r.reason,
            reporter=names.get(r.reporter, "a participant") if r.reporter else "a participant",
            author_id=authors.get(r.id),
            author=names.get(authors[r.id] or 0, "a participant") if authors.get(r.id) else "a participant",
            author_muted=authors.get(r.id) in muted,
            text=texts.get(r.id, ("", True))[0],
            removed=texts.get(r.id, ("", True))[1],
            created_at=aware(r.created_at) or utcnow(),
        )
        for r in rows
    ]
