"""Events and the people in them."""

from typing import ClassVar

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Event(Table):
    id: ClassVar[Serial]
    slug = Varchar(length=64, unique=True, index=True)
    title = Varchar(length=200)
    description = Text(default="")
    timezone = Varchar(length=64, default="UTC")
    start_date = Date()
    end_date = Date()
    venue = Varchar(length=200, default="")
    # The language of the board, the printed agenda and of pages for people who chose none (unconf.i18n).
    language = Varchar(length=8, default="en")
    tier = Varchar(length=32, default="free")
    phase = Varchar(length=16, default="draft")
    phase_ends_at = Timestamptz(null=True, default=None)
    dots_per_participant = Integer(default=5)
    allow_stacking = Boolean(default=False)
    late_proposals = Boolean(default=False)
    # Shown on the start page's "upcoming events" only when the organizer says so (private by default).
    listed = Boolean(default=False)
    join_code = Varchar(length=16, unique=True, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # The instance operator's: limits that replace the tier's for this event (None: the tier's), and
    # when the event was suspended (None: it runs). A suspended event answers 403 ``event_suspended``.
    max_participants = Integer(null=True, default=None)
    max_rooms = Integer(null=True, default=None)
    suspended_at = Timestamptz(null=True, default=None)


class Participant(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    display_name = Varchar(length=80)
    email = Varchar(length=254, null=True, default=None)
    role = Varchar(length=16, default="attendee")
    attendance = Varchar(length=16, default="in_room")  # "in_room" or "remote" (hybrid events)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    # The language this person last used here (their mail and calendars are written in it); None: the event's.
    language = Varchar(length=16, null=True, default=None)
