"""What people say to each other: topic chats, notes between two people, reports, mutes, choices, welcomes."""

from typing import ClassVar

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from community.tables import Member
from events.tables import Event, Participant
from sessions.tables import Proposal


class ChatMessage(Table):
    """One message in a topic's chat (``proposal``) or the main room's (``proposal`` is null).

    ``author`` becomes null when the person's data is erased: the message stays, from "a participant".
    A message organizers removed keeps its row (``removed_at``) so a report still points somewhere.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    text = Text(default="")
    created_at = Timestamptz()
    removed_at = Timestamptz(null=True, default=None)
    removed_by = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)


class PersonalNote(Table):
    """A short note from one person to another; ``thread`` is the first note of the conversation.

    ``kind`` is ``note``, or ``welcome`` / ``follow_up`` when a greeter's welcome sent it. In a
    greeter's conversation ``greeter`` is the member who greets; their side has no ``sender`` (or no
    ``recipient``) participant, because a greeter need not be at this event.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    sender = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    recipient = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    thread: ForeignKey["PersonalNote"] = ForeignKey(
        references="self", null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    greeter = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    kind = Varchar(length=16, default="note")
    text = Text(default="")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)
    removed_at = Timestamptz(null=True, default=None)


class ConversationReport(Table):
    """Someone reported a note or a chat message to the organizers."""

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    reporter = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)
    note = ForeignKey(references=PersonalNote, null=True, default=None, on_delete=OnDelete.cascade)
    chat_message = ForeignKey(references=ChatMessage, null=True, default=None, on_delete=OnDelete.cascade)
    reason = Text(default="")
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)


class ConversationMute(Table):
    """Organizers muted this person for the event: they can read, not write chats or notes."""

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True)
    muted_by = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)
    reason = Varchar(length=300, default="")
    created_at = Timestamptz()


class ConversationChoice(Table):
    """A person's own choices: email for notes (off unless chosen), and their name in the kept record."""

    id: ClassVar[Serial]
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True)
    email_notes = Boolean(default=False)
    anonymous_in_record = Boolean(default=False)
    updated_at = Timestamptz()


class GreeterMessage(Table):
    """A greeter's own welcome and follow-up, in their words (or the template they approved).

    Nothing is sent in their name until ``approved`` is true.
    """

    id: ClassVar[Serial]
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, unique=True)
    welcome = Text(default="")
    follow_up = Text(default="")
    approved = Boolean(default=False)
    updated_at = Timestamptz()
