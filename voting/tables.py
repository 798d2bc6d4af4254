"""Dots: one row per participant and proposal, holding how many dots they put on it."""

from typing import ClassVar

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Timestamptz
from piccolo.table import Table

from events.tables import Event, Participant
from sessions.tables import Proposal


class Vote(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    dots = Integer(default=1)
    updated_at = Timestamptz()
