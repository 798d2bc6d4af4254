"""The rooms as people use them on the day: video settings and links, and who is in which room."""

from typing import ClassVar

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from agenda.tables import Room
from events.tables import Event, Participant
from sessions.tables import Proposal


class VideoSettings(Table):
    """An event's video provider. Kept apart from Event so secrets never ride along with event reads."""

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    provider = Varchar(length=32, default="jitsi")
    config = Text(default="{}")
    secrets = Text(default="{}", secret=True)
    main_room = ForeignKey(references=Room, null=True, default=None, on_delete=OnDelete.set_null)
    last_error = Text(default="")
    updated_at = Timestamptz()


class VideoLink(Table):
    """One meeting per placed session (key ``s:<proposal id>``) and one for the main room (key ``main``).

    ``url``/``host_url``/``data`` are what the provider gave us; people only ever see our join redirect.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    key = Varchar(length=32)
    proposal = ForeignKey(references=Proposal, null=True, default=None, on_delete=OnDelete.cascade)
    room = ForeignKey(references=Room, null=True, default=None, on_delete=OnDelete.set_null)
    provider = Varchar(length=32)
    meeting_id = Varchar(length=200)
    url = Varchar(length=1000, default="")
    host_url = Varchar(length=1000, default="", secret=True)
    data = Text(default="{}", secret=True)
    agenda_version = Integer(null=True, default=None)
    created_at = Timestamptz()


class RoomVisit(Table):
    """Someone in a room: a video join or a check-in; a person has at most one open visit.

    ``ends_by`` is the end of the session's slot: past it the visit no longer counts as present
    and metering stops, even if the person never moved on.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.cascade)
    proposal = ForeignKey(references=Proposal, null=True, default=None, on_delete=OnDelete.cascade)
    room = ForeignKey(references=Room, null=True, default=None, on_delete=OnDelete.set_null)
    how = Varchar(length=16, default="checkin")
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    ends_by = Timestamptz(null=True, default=None)
