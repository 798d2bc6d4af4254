"""The grid and its versions: rooms by time slots, drafts, and published versions kept readable."""

from typing import ClassVar

from piccolo.columns import Array, Boolean, Float, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event
from sessions.tables import Proposal


class Room(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    capacity = Integer(default=20)
    kind = Varchar(length=16, default="physical")
    accessibility_notes = Text(default="")
    video_link = Varchar(length=500, default="")
    features = Array(base_column=Varchar(length=40))
    position = Integer(default=0)
    # False for the main room: the plenary and main video room, where the optimizer places no breakout.
    hosts_breakouts = Boolean(default=True)
    video_equipped = Boolean(default=False)  # remote people can join sessions here


class TimeSlot(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    kind = Varchar(length=16, default="breakout")
    label = Varchar(length=80, default="")


class AgendaVersion(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=16, default="draft")
    version = Integer(null=True, default=None)
    score = Float(default=0.0)
    bound = Float(null=True, default=None)  # proven upper bound on the score (None: not computed)
    note = Text(default="")
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)


class Placement(Table):
    id: ClassVar[Serial]
    agenda = ForeignKey(references=AgendaVersion, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade)
    slot = ForeignKey(references=TimeSlot, on_delete=OnDelete.cascade)
    room = ForeignKey(references=Room, on_delete=OnDelete.cascade)
    pinned = Boolean(default=False)
    # 1 for a session's first run, 2 for its repeat: a second run, in a later slot, for a crowd.
    run = Integer(default=1)


class Autopilot(Table):
    """The morning's timeline, set once; the service moves phases, builds and publishes on time.

    Kept in the database (not in memory) so a restart or a second worker picks it up; the
    ``*_done_at`` columns are claimed with conditional updates so each step runs exactly once.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    proposals_until = Timestamptz(null=True, default=None)
    voting_until = Timestamptz(null=True, default=None)
    publish_at = Timestamptz(null=True, default=None)
    hold_for_review = Boolean(default=False)
    time_limit = Float(default=2.0)
    voting_closed_at = Timestamptz(null=True, default=None)
    built_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    updated_at = Timestamptz()
