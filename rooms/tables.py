"""Rooms an event's sessions can take place in."""

from typing import ClassVar

from piccolo.columns import Array, ForeignKey, Integer, OnDelete, Serial, Text, Varchar
from piccolo.table import Table

from unconf.tables import Event


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
