"""Imported registrants and their personal invitations."""

from typing import ClassVar

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event, Participant


class Registrant(Table):
    """A person brought in by an organizer (import or invitation), tied to their participant row.

    ``email_key`` is the lowercased email: one registrant per address per event (a unique index
    in a raw-SQL migration), which is what makes a re-import change nothing. Invitation codes are
    stored only as SHA-256 hashes; ``code_hash`` is cleared when the code is used or revoked.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True, index=True)
    email_key = Varchar(length=254)
    first_name = Varchar(length=80, default="")
    last_name = Varchar(length=80, default="")
    source = Varchar(length=16, default="csv")
    external_id = Varchar(length=100, default="")
    code_hash = Varchar(length=64, null=True, default=None, unique=True, index=True)
    code_created_at = Timestamptz(null=True, default=None)
    invited_at = Timestamptz(null=True, default=None)
    redeemed_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
