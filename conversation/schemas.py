"""Request and response bodies for chats, notes between people, reports, mutes and choices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

MAX_CHAT = 1000
MAX_NOTE = 2000

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]


class ChatPost(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Annotated[str, Meta(max_length=MAX_CHAT, description=f"at most {MAX_CHAT} characters")]


class ChatLineOut(msgspec.Struct, kw_only=True):
    id: int
    topic: str
    author: str
    author_id: int | None
    text: str
    html: str
    created_at: datetime


class ChatOut(msgspec.Struct, kw_only=True):
    topic: str
    title: str
    messages: list[ChatLineOut]
    can_write: bool


class NoteSend(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Annotated[str, Meta(max_length=MAX_NOTE, description=f"at most {MAX_NOTE} characters")]


class NoteOut(msgspec.Struct, kw_only=True):
    id: int
    thread: int
    kind: str
    from_me: bool
    sender: str
    text: str
    html: str
    created_at: datetime
    read: bool


class ThreadOut(msgspec.Struct, kw_only=True):
    """A conversation between the caller and one other person (never their email address)."""

    id: int
    with_id: int | None
    with_name: str
    notes: list[NoteOut]
    unread: int
    blocked: bool


class InboxOut(msgspec.Struct, kw_only=True):
    threads: list[ThreadOut]
    unread: int


class ReportCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, Meta(max_length=300)] = ""


class ReportOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    note_id: int | None
    message_id: int | None
    reason: str
    reporter: str
    author_id: int | None
    author: str
    author_muted: bool
    text: str
    removed: bool
    created_at: datetime


class MuteCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant_id: Id
    reason: Annotated[str, Meta(max_length=300)] = ""


class MuteOut(msgspec.Struct, kw_only=True):
    participant_id: int
    display_name: str
    reason: str
    created_at: datetime


class ChoicesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email_notes: bool | None = None
    anonymous_in_record: bool | None = None


class ChoicesOut(msgspec.Struct, kw_only=True):
    email_notes: bool
    anonymous_in_record: bool


class GreeterMessageIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A greeter's words; ``{name}``, ``{greeter}``, ``{community}`` and ``{event}`` are filled in when sent."""

    welcome: Annotated[str, Meta(max_length=MAX_NOTE)]
    follow_up: Annotated[str, Meta(max_length=MAX_NOTE)]
    approved: bool


class GreeterMessageOut(msgspec.Struct, kw_only=True):
    welcome: str
    follow_up: str
    approved: bool
    template: bool


class NewcomerOut(msgspec.Struct, kw_only=True):
    """A newcomer given to this greeter, and their conversation (never their email address)."""

    thread: int | None
    name: str
    event: str
    event_title: str
    assigned_at: datetime
    notes: list[NoteOut]


class GreeterOut(msgspec.Struct, kw_only=True):
    community: str
    message: GreeterMessageOut
    newcomers: list[NewcomerOut]
