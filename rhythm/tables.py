"""A community's series of events, and the topics one event hands to the next.

The series' template is its latest event: "plan the next one" copies that event's rooms, slots,
settings and video provider onto the rule's next date.
"""

from typing import ClassVar

from piccolo.columns import Boolean, Float, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from community.tables import Community
from events.tables import Event, Participant
from sessions.tables import Proposal


class CommunityRhythm(Table):
    """How often a community meets (an RFC 5545 recurrence rule) and where (a city and its coordinates).

    ``count_carried`` is the organizers' choice to let carried-over interest count when an agenda is built.
    """

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, unique=True, index=True)
    rule = Text(default="")
    city = Varchar(length=120, default="")
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    count_carried = Boolean(default=False)
    updated_at = Timestamptz()


class EventRhythm(Table):
    """An event in a community's series; ``planned_from`` is the event it was copied from (None: the first)."""

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    planned_from = ForeignKey(references=Event, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class CarryOffer(Table):
    """A topic of a closed event offered to the series' next one.

    ``reason`` is ``unscheduled`` (it did not make the agenda) or ``crowded`` (more people wanted it
    than its room held). ``interest`` is how many people wanted it. ``answer`` is the proposer's:
    ``pending``, ``yes`` or ``no``; a yes makes ``carried`` in the next event.
    """

    id: ClassVar[Serial]
    from_event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, unique=True, index=True)
    proposer = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    reason = Varchar(length=16, default="unscheduled")
    interest = Integer(default=0)
    answer = Varchar(length=16, default="pending")
    carried = ForeignKey(references=Proposal, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    to_event = ForeignKey(references=Event, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    created_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
