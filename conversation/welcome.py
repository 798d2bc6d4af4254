"""A welcome from someone like you: a newcomer's greeter writes to them, and again a week later.

When someone joins their first event of a community (``participant.joined`` on the realtime bus), a task
row goes into notify's durable outbox; the worker runs it a few seconds on, when the join has settled (a
member's one-tap join links their membership just after): community's ``assign_greeter`` picks the
greeter whose profile and votes match best, under their daily cap, and the greeter's approved message
goes out in their name as a note. The follow-up is another outbox row, not before a week later, so a
restart loses nothing. The newcomer can answer either in their inbox; the greeter reads and answers on
their page. No greeters, no approved message, or welcomes turned off: nothing is sent.
"""

from __future__ import annotations

import json
from datetime import timedelta

from community import services as community
from community.tables import Attendance, Community, Greeting, Member
from conversation import notes
from conversation.schemas import (
    MAX_NOTE,
    GreeterMessageIn,
    GreeterMessageOut,
    GreeterOut,
    NewcomerOut,
    NoteOut,
    NoteSend,
)
from conversation.tables import GreeterMessage, PersonalNote
from events.tables import Event, Participant
from notify.outbox import Outcome, insert_new, task_row
from notify.tables import Outbox
from unconf import live
from unconf.errors import Forbidden, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.validation import aware, clean_text, utcnow

WELCOME_TASK = "greeter.welcome"
FOLLOW_UP_TASK = "greeter.follow_up"
WELCOME_DELAY = timedelta(seconds=2)  # a member's one-tap join links their membership right after joining
FOLLOW_UP_AFTER = timedelta(days=7)

TEMPLATE_WELCOME = gettext_noop(
    "Hi {name}, I'm {greeter}, one of the regulars at {community}. Welcome to {event}! "
    "If anything about the day is unclear, or you'd like to know who else is into what you care about, "
    "just answer here."
)
TEMPLATE_FOLLOW_UP = gettext_noop(
    "Hi {name}, {greeter} again. It's been a week since {event}: how did it go? "
    "Anything you took home, or want to try at the next one? I'd love to hear."
)
"""The template a greeter starts from (shown in the greeter's language; what they approve is theirs)."""


def fill(text: str, **values: str) -> str:
    """The placeholders, replaced literally (no format strings: a name with braces stays a name)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text[:MAX_NOTE]


# -- reacting to joins ------------------------------------------------------------------------------------------------


async def on_participant_joined(message: live.LiveMessage) -> None:
    """Queue a welcome for someone who joined an event of a community that welcomes, and has greeters."""
    if not isinstance(message, live.ParticipantJoined) or message.data.role == "organizer":
        return
    event = await Event.objects().where(Event.slug == message.event).first()
    if event is None:
        return
    found = await community.community_of_event(event.id)
    if found is None or not found.welcomes_enabled:
        return
    if not await Member.exists().where((Member.community == found.id) & (Member.greeter == True)):  # noqa: E712
        return
    pid = message.data.id
    row = task_row(
        event.id,
        WELCOME_TASK,
        {"participant": pid, "community": found.id},
        not_before=utcnow() + WELCOME_DELAY,
        dedupe_key=f"welcome:{pid}",
    )
    await insert_new([row])


async def is_newcomer(found: Community, participant: Participant) -> bool:
    """Their first event of this community: not a member who was at one of its other events."""
    member = await community.member_of_participant(participant.id)
    if member is None:
        return True
    others = await Attendance.select(Attendance.participant).where(
        (Attendance.member == member.id) & (Attendance.participant != participant.id)
    )
    return not others


async def _message_of(greeter_id: int) -> GreeterMessage | None:
    row = await GreeterMessage.objects().where(GreeterMessage.member == greeter_id).first()
    return row if row is not None and row.approved else None


async def _values(found: Community, event: Event, newcomer: Participant, greeter_id: int) -> dict[str, str]:
    name = (await notes.greeter_names({greeter_id})).get(greeter_id, notes.GREETER)
    return {"name": newcomer.display_name, "greeter": name, "community": found.name, "event": event.title}


async def _setting(row: Outbox) -> tuple[Community, Event, Participant] | str:
    """The community, event and newcomer of a task row, or why there is nothing to do any more."""
    payload = json.loads(row.payload or "{}")
    found = await Community.objects().where(Community.id == int(payload.get("community") or 0)).first()
    event = await Event.objects().where(Event.id == row.event).first()
    newcomer = await Participant.objects().where(Participant.id == int(payload.get("participant") or 0)).first()
    if found is None or event is None or newcomer is None:
        return "the community, the event or the newcomer is gone"
    if not found.welcomes_enabled:
        return "the organizers turned welcomes off"
    return found, event, newcomer


async def send_welcome(row: Outbox) -> Outcome:
    """The outbox worker's task: pick the greeter, send their welcome, schedule the follow-up."""
    setting = await _setting(row)
    if isinstance(setting, str):
        return Outcome(False, note=setting, cancelled=True)
    found, event, newcomer = setting
    if not await is_newcomer(found, newcomer):
        return Outcome(False, note="not their first event of this community", cancelled=True)
    if await PersonalNote.exists().where((PersonalNote.recipient == newcomer.id) & (PersonalNote.kind == "welcome")):
        return Outcome(True, note="welcomed already")
    greeter = await community.assign_greeter(found.id, newcomer.id)
    if greeter is None:
        return Outcome(False, note="no greeter available (none, all at their daily cap, or blocked)", cancelled=True)
    words = await _message_of(greeter.id)
    if words is None:
        return Outcome(False, note="the greeter has not approved a welcome message yet", cancelled=True)
    values = await _values(found, event, newcomer, greeter.id)
    note = await notes.greeter_note(event, greeter.id, newcomer, fill(words.welcome, **values), kind="welcome")
    follow = task_row(
        event.id,
        FOLLOW_UP_TASK,
        {"participant": newcomer.id, "community": found.id, "thread": note.thread or note.id},
        not_before=utcnow() + FOLLOW_UP_AFTER,
        dedupe_key=f"follow-up:{newcomer.id}",
    )
    await insert_new([follow])
    return Outcome(True, note=f"welcomed by greeter {greeter.id}; follow-up queued")


async def send_follow_up(row: Outbox) -> Outcome:
    """A week on: the same greeter asks how it went, in the same conversation."""
    setting = await _setting(row)
    if isinstance(setting, str):
        return Outcome(False, note=setting, cancelled=True)
    found, event, newcomer = setting
    thread = int(json.loads(row.payload or "{}").get("thread") or 0)
    welcome = await PersonalNote.objects().where((PersonalNote.id == thread) & (PersonalNote.kind == "welcome")).first()
    if welcome is None or welcome.removed_at is not None or welcome.greeter is None:
        return Outcome(False, note="the welcome, or its greeter, is gone", cancelled=True)
    words = await _message_of(welcome.greeter)
    if words is None:
        return Outcome(False, note="the greeter withdrew their message", cancelled=True)
    values = await _values(found, event, newcomer, welcome.greeter)
    await notes.greeter_note(
        event, welcome.greeter, newcomer, fill(words.follow_up, **values), kind="follow_up", thread=thread
    )
    return Outcome(True, note="followed up")


# -- the greeter's side -----------------------------------------------------------------------------------------------


def _require_greeter(member: Member) -> None:
    if not member.greeter:
        raise Forbidden(_("only the community's greeters have newcomers to welcome"), field="member")


async def message_out(member: Member) -> GreeterMessageOut:
    row = await GreeterMessage.objects().where(GreeterMessage.member == member.id).first()
    if row is None:
        return GreeterMessageOut(
            welcome=_(TEMPLATE_WELCOME), follow_up=_(TEMPLATE_FOLLOW_UP), approved=False, template=True
        )
    return GreeterMessageOut(welcome=row.welcome, follow_up=row.follow_up, approved=row.approved, template=False)


async def save_message(member: Member, data: GreeterMessageIn) -> GreeterMessageOut:
    """The greeter's words (or the template, approved as is); nothing goes out in their name unless approved."""
    _require_greeter(member)
    welcome = clean_text(data.welcome, "welcome", max_length=MAX_NOTE, multiline=True)
    follow_up = clean_text(data.follow_up, "follow_up", max_length=MAX_NOTE, multiline=True)
    row = GreeterMessage(
        member=member.id, welcome=welcome, follow_up=follow_up, approved=data.approved, updated_at=utcnow()
    )
    await GreeterMessage.insert(row).on_conflict(
        target=GreeterMessage.member,
        action="DO UPDATE",
        values=[GreeterMessage.welcome, GreeterMessage.follow_up, GreeterMessage.approved, GreeterMessage.updated_at],
    )
    return await message_out(member)


async def greeter_view(found: Community, member: Member) -> GreeterOut:
    """The greeter's page: their message and each newcomer with the conversation so far."""
    _require_greeter(member)
    greetings = (
        await Greeting.objects()
        .where((Greeting.greeter == member.id) & (Greeting.community == found.id))
        .order_by(Greeting.assigned_at, ascending=False)
        .limit(200)
    )
    people = {
        p.id: p
        for p in (
            await Participant.objects().where(Participant.id.is_in([g.newcomer for g in greetings]))
            if greetings
            else []
        )
    }
    events = {
        e.id: e
        for e in (await Event.objects().where(Event.id.is_in([p.event for p in people.values()])) if people else [])
    }
    out: list[NewcomerOut] = []
    for g in greetings:
        person = people.get(g.newcomer)
        if person is None:
            continue
        thread = await notes.greeter_thread(member.id, person.id)
        event = events.get(person.event)
        out.append(
            NewcomerOut(
                thread=thread[0].thread if thread else None,
                name=person.display_name,
                event=event.slug if event else "",
                event_title=event.title if event else "",
                assigned_at=aware(g.assigned_at) or utcnow(),
                notes=[notes.greeter_side(n, member.id) for n in thread],
            )
        )
    return GreeterOut(community=found.slug, message=await message_out(member), newcomers=out)


async def greeter_reply(member: Member, thread_id: int, data: NoteSend) -> NoteOut:
    """The greeter answers a newcomer, in the conversation their welcome started."""
    _require_greeter(member)
    welcome = (
        await PersonalNote.objects()
        .where((PersonalNote.id == thread_id) & (PersonalNote.greeter == member.id) & (PersonalNote.kind == "welcome"))
        .first()
        if 0 < thread_id <= 2**31 - 1
        else None
    )
    if welcome is None or welcome.recipient is None:
        raise NotFound(_("no welcome {thread_id} of yours").format(thread_id=thread_id), field="thread_id")
    newcomer = await Participant.objects().where(Participant.id == welcome.recipient).first()
    event = await Event.objects().where(Event.id == welcome.event).first()
    if newcomer is None or event is None:
        raise NotFound(_("no welcome {thread_id} of yours").format(thread_id=thread_id), field="thread_id")
    text = clean_text(data.text, "text", max_length=MAX_NOTE, multiline=True)
    note = await notes.greeter_note(event, member.id, newcomer, text, kind="note", thread=welcome.id)
    return notes.greeter_side(note, member.id)
