"""Session proposals and who facilitates them."""

from typing import ClassVar

from piccolo.columns import Array, Boolean, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event, Participant


class Proposal(Table):
    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=120)
    description = Text(default="")
    tags = Array(base_column=Varchar(length=40))
    needs = Array(base_column=Varchar(length=40))
    status = Varchar(length=16, default="proposed")
    merged_into: ForeignKey["Proposal"] = ForeignKey(
        references="self", null=True, default=None, on_delete=OnDelete.set_null
    )
    created_by = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    learning = Boolean(default=False)  # "I'd like to learn about this": it wants a facilitator from the room
    repeatable = Boolean(default=False)  # the organizer lets the agenda run it twice when a crowd wants it


class ProposalFacilitator(Table):
    id: ClassVar[Serial]
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)


class FacilitatorInvite(Table):
    """Someone named as a facilitator by another person; they facilitate once they accept.

    ``status`` is ``pending``, ``accepted`` or ``declined``; naming a person again asks again.
    """

    id: ClassVar[Serial]
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    invited_by = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)
    status = Varchar(length=16, default="pending")
    created_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)


class SessionNote(Table):
    """One saved revision of a session's notes; a save never overwrites, so nothing is lost."""

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    revision = Integer(default=1)
    text = Text(default="")
    author = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Star(Table):
    """A session someone marked for their personal calendar.

    Unstarring keeps the row (``starred`` false) so ``updated_at`` still tells polling
    calendar clients that the personal calendar changed (Last-Modified stays honest).
    """

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    starred = Boolean(default=True)
    updated_at = Timestamptz()


class Volunteer(Table):
    """Someone offering to help a session: ``facilitate`` it or take ``notes``; one row per role."""

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=16, default="facilitate")
    created_at = Timestamptz()
