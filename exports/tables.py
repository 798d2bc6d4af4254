"""Personal calendar feeds and what calendars last saw: the only state the exports keep."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event, Participant
from sessions.tables import Proposal


class CalendarFeed(Table):
    """One subscription feed per participant; only the SHA-256 of its secret is stored."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True)
    secret_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()


class SessionRevision(Table):
    """What calendars last saw of a session's time, to notice slot times edited after publishing.

    Moves between slots and rooms are read from the published versions; a slot whose own
    times change leaves no trace there, so the first export that sees the new times bumps
    ``extra`` (added to SEQUENCE) and stamps ``changed_at`` (LAST-MODIFIED).
    """

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    proposal = ForeignKey(references=Proposal, on_delete=OnDelete.cascade, unique=True)
    slot = Integer()
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    extra = Integer(default=0)
    changed_at = Timestamptz()
