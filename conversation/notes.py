"""Notes between people: a short note to someone at the event, replies in one thread per pair.

The recipient reads them in their inbox (live: ``note.arrived`` in their own room) and by email only
if they chose it; nobody's email address is ever shown. Blocked people never reach you, either way
round, and their old notes leave your inbox. A greeter's welcome is a thread too (``greeter`` set):
the greeter writes as a community member, who need not be at this event.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Any

from community.tables import Profile
from conversation import blocks, moderation
from conversation.schemas import MAX_NOTE, ChoicesIn, ChoicesOut, InboxOut, NoteOut, NoteSend, ThreadOut
from conversation.tables import ConversationChoice, PersonalNote
from conversation.text import linkify
from events.tables import Event, Participant
from notify.mail import event_info
from notify.messages import person_note
from notify.outbox import MAX_ATTEMPTS
from notify.tables import Outbox
from unconf import live, realtime
from unconf.errors import Forbidden, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.ports import Port
from unconf.settings import get_settings
from unconf.validation import aware, clean_text, utcnow

NOTE_EMAIL = "person.note"

IN_APP_WANTED: Port[Callable[[int, str], Awaitable[bool]]] = Port("conversation's in-app preferences")
"""Does this participant want the live in-app notice of a ``notes`` (or greeter's ``welcome``) note? The
newsletter domain answers from the member's preferences; the note is in their inbox either way."""
GREETER = gettext_noop("your greeter")


def _valid_id(value: int) -> bool:
    return 0 < value <= 2**31 - 1


async def greeter_names(member_ids: set[int]) -> dict[int, str]:
    """A greeter is named as their community profile names them."""
    if not member_ids:
        return {}
    rows = await Profile.select(Profile.member, Profile.display_name).where(Profile.member.is_in(list(member_ids)))
    return {r["member"]: r["display_name"] for r in rows if r["display_name"]}


async def choices(who: Participant) -> ChoicesOut:
    row = await ConversationChoice.objects().where(ConversationChoice.participant == who.id).first()
    if row is None:
        return ChoicesOut(email_notes=False, anonymous_in_record=False)
    return ChoicesOut(email_notes=row.email_notes, anonymous_in_record=row.anonymous_in_record)


async def set_choices(who: Participant, data: ChoicesIn) -> ChoicesOut:
    current = await choices(who)
    email = current.email_notes if data.email_notes is None else data.email_notes
    anonymous = current.anonymous_in_record if data.anonymous_in_record is None else data.anonymous_in_record
    row = ConversationChoice(participant=who.id, email_notes=email, anonymous_in_record=anonymous, updated_at=utcnow())
    await ConversationChoice.insert(row).on_conflict(
        target=ConversationChoice.participant,
        action="DO UPDATE",
        values=[ConversationChoice.email_notes, ConversationChoice.anonymous_in_record, ConversationChoice.updated_at],
    )
    return ChoicesOut(email_notes=email, anonymous_in_record=anonymous)


async def _pair_thread(a: int, b: int) -> int | None:
    between = ((PersonalNote.sender == a) & (PersonalNote.recipient == b)) | (
        (PersonalNote.sender == b) & (PersonalNote.recipient == a)
    )
    root = (
        await PersonalNote.select(PersonalNote.thread)
        .where(between & PersonalNote.greeter.is_null() & PersonalNote.thread.is_not_null())
        .order_by(PersonalNote.id)
        .first()
    )
    return root["thread"] if root else None


async def _deliver(event: Event, note: PersonalNote, sender_name: str) -> None:
    """Tell the recipient: live in their own room, and by email if they chose it (the outbox sends it)."""
    if note.recipient is None:
        return
    arrived = live.NoteArrivedData(id=note.id, thread=note.thread or note.id, sender=sender_name)
    if await IN_APP_WANTED.call(note.recipient, "welcome" if note.greeter is not None else "notes"):
        await realtime.publish(event.slug, live.NoteArrived(data=arrived, recipient=note.recipient))
    wants = await ConversationChoice.exists().where(
        (ConversationChoice.participant == note.recipient) & (ConversationChoice.email_notes == True)  # noqa: E712
    )
    if not wants or not get_settings().mail_enabled:
        return
    recipient = await Participant.objects().where(Participant.id == note.recipient).first()
    if recipient is None or not (recipient.email or "").strip():
        return
    now = utcnow()
    await Outbox(
        event=event.id,
        channel="email",
        kind=NOTE_EMAIL,
        participant=recipient.id,
        recipient=(recipient.email or "").strip(),
        subject=f"A note from {sender_name}"[:300],
        payload=f'{{"note": {note.id}}}',
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        dedupe_key=f"note:{note.id}",
        created_at=now,
    ).save()


async def _save(**values: Any) -> PersonalNote:
    note = PersonalNote(created_at=utcnow(), **values)
    await note.save()
    if note.thread is None:
        note.thread = note.id
        await PersonalNote.update({PersonalNote.thread: note.id}).where(PersonalNote.id == note.id)
    return note


async def send_note(event: Event, sender: Participant, recipient_id: int, data: NoteSend) -> NoteOut:
    """A note to someone at this event; it joins the thread the two already have, if any."""
    recipient = await moderation.event_person(event, recipient_id)
    if recipient.id == sender.id:
        raise Forbidden(_("you cannot send a note to yourself"), field="participant_id")
    await moderation.refuse_if_muted(sender)
    if await blocks.blocked_either_way(sender, recipient):
        raise Forbidden(_("this person cannot receive notes from you"), field="participant_id", code="not_reachable")
    text = clean_text(data.text, "text", max_length=MAX_NOTE, multiline=True)
    thread = await _pair_thread(sender.id, recipient.id)
    note = await _save(event=event.id, sender=sender.id, recipient=recipient.id, thread=thread, text=text)
    await _deliver(event, note, sender.display_name)
    return _note_out(note, sender.id, {sender.id: sender.display_name}, {})


async def _thread_notes(event: Event, thread_id: int) -> list[PersonalNote]:
    if not _valid_id(thread_id):
        return []
    return list(
        await PersonalNote.objects()
        .where(
            (PersonalNote.event == event.id) & (PersonalNote.thread == thread_id) & PersonalNote.removed_at.is_null()
        )
        .order_by(PersonalNote.id)
    )


def _mine(notes: list[PersonalNote], who: Participant) -> bool:
    return any(who.id in (n.sender, n.recipient) for n in notes)


async def reply(event: Event, sender: Participant, thread_id: int, data: NoteSend) -> NoteOut:
    """Answer in a thread: to the other person, or to the greeter of a welcome."""
    notes = await _thread_notes(event, thread_id)
    if not notes or not _mine(notes, sender):
        raise NotFound(_("no conversation {thread_id} of yours").format(thread_id=thread_id), field="thread_id")
    await moderation.refuse_if_muted(sender)
    text = clean_text(data.text, "text", max_length=MAX_NOTE, multiline=True)
    greeter = notes[0].greeter
    if greeter is not None or any(n.greeter is not None for n in notes):
        member = next((n.greeter for n in notes if n.greeter is not None), None)
        if member is None:  # the greeter left the community: nobody is there to read it
            raise NotFound(_("the greeter of this conversation is no longer a member"), field="thread_id")
        note = await _save(event=event.id, sender=sender.id, greeter=member, kind="reply", thread=thread_id, text=text)
        return _note_out(note, sender.id, {sender.id: sender.display_name}, {})
    other_id = next((n.recipient if n.sender == sender.id else n.sender for n in notes), None)
    if other_id is None:
        raise NotFound(_("the other person of this conversation is gone"), field="thread_id")
    other = await moderation.event_person(event, other_id, field="thread_id")
    if await blocks.blocked_either_way(sender, other):
        raise Forbidden(_("this person cannot receive notes from you"), field="thread_id", code="not_reachable")
    note = await _save(event=event.id, sender=sender.id, recipient=other.id, thread=thread_id, text=text)
    await _deliver(event, note, sender.display_name)
    return _note_out(note, sender.id, {sender.id: sender.display_name}, {})


async def greeter_note(
    event: Event, greeter_id: int, newcomer: Participant, text: str, *, kind: str, thread: int | None = None
) -> PersonalNote:
    """A note in a greeter's name to a newcomer (their welcome, follow-up, or an answer)."""
    note = await _save(event=event.id, greeter=greeter_id, recipient=newcomer.id, kind=kind, thread=thread, text=text)
    name = (await greeter_names({greeter_id})).get(greeter_id, GREETER)
    await _deliver(event, note, name)
    return note


async def greeter_thread(greeter_id: int, newcomer_id: int) -> list[PersonalNote]:
    """The conversation a greeter's welcome started with this newcomer, oldest first."""
    welcome = (
        await PersonalNote.select(PersonalNote.id)
        .where(
            (PersonalNote.greeter == greeter_id)
            & (PersonalNote.recipient == newcomer_id)
            & (PersonalNote.kind == "welcome")
        )
        .first()
    )
    if welcome is None:
        return []
    return list(
        await PersonalNote.objects()
        .where((PersonalNote.thread == welcome["id"]) & PersonalNote.removed_at.is_null())
        .order_by(PersonalNote.id)
    )


def greeter_side(note: PersonalNote, greeter_id: int) -> NoteOut:
    """A note as the greeter sees it: theirs, or the newcomer's answer."""
    mine = note.sender is None and note.greeter == greeter_id
    return NoteOut(
        id=note.id,
        thread=note.thread or note.id,
        kind=note.kind,
        from_me=mine,
        sender=_("You") if mine else _("the newcomer"),
        text=note.text,
        html=str(linkify(note.text)),
        created_at=aware(note.created_at) or utcnow(),
        read=True,
    )


def _note_out(note: PersonalNote, me: int, names: dict[int, str], greeters: dict[int, str]) -> NoteOut:
    from_me = note.sender == me
    if note.sender is not None:
        sender = names.get(note.sender, _("a participant"))
    elif note.greeter is not None:
        sender = greeters.get(note.greeter, _(GREETER))
    else:
        sender = _("a participant")
    return NoteOut(
        id=note.id,
        thread=note.thread or note.id,
        kind=note.kind,
        from_me=from_me,
        sender=sender,
        text=note.text,
        html=str(linkify(note.text)),
        created_at=aware(note.created_at) or utcnow(),
        read=from_me or note.read_at is not None,
    )


async def inbox(event: Event, who: Participant, *, only_thread: int | None = None, mark_read: bool = False) -> InboxOut:
    """Every conversation of mine, newest first; people I blocked or who blocked me are not in it."""
    mine = (PersonalNote.sender == who.id) | (PersonalNote.recipient == who.id)
    condition = (PersonalNote.event == event.id) & PersonalNote.removed_at.is_null() & mine
    if only_thread is not None:
        condition = condition & (PersonalNote.thread == only_thread)
    rows = await PersonalNote.objects().where(condition).order_by(PersonalNote.id).limit(2000)
    hidden = await blocks.hidden_from(who)
    by_thread: dict[int, list[PersonalNote]] = defaultdict(list)
    for n in rows:
        by_thread[n.thread or n.id].append(n)
    people = {n.sender for n in rows} | {n.recipient for n in rows}
    names = await moderation.names_of(people)
    greeters = await greeter_names({n.greeter for n in rows if n.greeter is not None})
    threads: list[ThreadOut] = []
    for thread_id, notes in by_thread.items():
        greeter = next((n.greeter for n in notes if n.greeter is not None), None)
        other = next(
            (x for n in notes for x in (n.sender, n.recipient) if x is not None and x != who.id),
            None,
        )
        if greeter is None and other is not None and other in hidden:
            continue
        if greeter is not None:
            with_name = greeters.get(greeter, _(GREETER))
        else:
            with_name = names.get(other, _("a participant")) if other is not None else _("a participant")
        outs = [_note_out(n, who.id, names, greeters) for n in notes]
        threads.append(
            ThreadOut(
                id=thread_id,
                with_id=None if greeter is not None else other,
                with_name=with_name,
                notes=outs,
                unread=sum(1 for o in outs if not o.read),
                blocked=False,
            )
        )
    if mark_read and threads:
        await PersonalNote.update({PersonalNote.read_at: utcnow()}).where(
            (PersonalNote.thread.is_in([t.id for t in threads]))
            & (PersonalNote.recipient == who.id)
            & PersonalNote.read_at.is_null()
        )
    threads.sort(key=lambda t: t.notes[-1].id, reverse=True)
    return InboxOut(threads=threads, unread=sum(t.unread for t in threads))


async def read_thread(event: Event, who: Participant, thread_id: int) -> ThreadOut:
    found = (await inbox(event, who, only_thread=thread_id, mark_read=True)).threads if _valid_id(thread_id) else []
    if not found:
        raise NotFound(_("no conversation {thread_id} of yours").format(thread_id=thread_id), field="thread_id")
    return found[0]


async def thread_with(event: Event, who: Participant, participant_id: int) -> ThreadOut | None:
    """My conversation with this person, if we have one (the note page shows it above the form)."""
    other = await moderation.event_person(event, participant_id)
    thread = await _pair_thread(who.id, other.id)
    if thread is None:
        return None
    found = (await inbox(event, who, only_thread=thread, mark_read=True)).threads
    return found[0] if found else None


async def remove_note(event: Event, note_id: int) -> None:
    """Organizers take a reported note down; it leaves both inboxes."""
    note = (
        await PersonalNote.objects().where((PersonalNote.id == note_id) & (PersonalNote.event == event.id)).first()
        if _valid_id(note_id)
        else None
    )
    if note is None:
        raise NotFound(_("no note {note_id} in this event").format(note_id=note_id), field="note_id")
    await PersonalNote.update({PersonalNote.removed_at: utcnow()}).where(
        (PersonalNote.id == note.id) & PersonalNote.removed_at.is_null()
    )


async def build_note_email(row: Outbox) -> EmailMessage | None:
    """The email a recipient asked for, built when it is sent: None (cancelled) once the note was removed,
    the recipient changed their mind, or either side blocked the other in the meantime."""
    payload = json.loads(row.payload or "{}")
    note = await PersonalNote.objects().where(PersonalNote.id == int(payload.get("note") or 0)).first()
    if note is None or note.removed_at is not None or note.recipient is None:
        return None
    recipient = await Participant.objects().where(Participant.id == note.recipient).first()
    event = await Event.objects().where(Event.id == note.event).first()
    if recipient is None or event is None or not (recipient.email or "").strip():
        return None
    if not (await choices(recipient)).email_notes:
        return None
    if note.sender is not None:
        sender = await Participant.objects().where(Participant.id == note.sender).first()
        if sender is None or await blocks.blocked_either_way(sender, recipient):
            return None
        name = sender.display_name
    else:
        name = (await greeter_names({note.greeter} if note.greeter else set())).get(note.greeter or 0, GREETER)
    info = event_info(event)
    address = get_settings().smtp_from or "unconf@localhost"
    return person_note(
        address, info, recipient.display_name, (recipient.email or "").strip(), name, note.text, info.url("/inbox")
    )
