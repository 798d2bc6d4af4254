"""Notification preferences, the community newsletter (items and frozen issues), unsubscribe keys, ladder marks."""

from typing import ClassVar

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from community.tables import Community, Member


class NotificationPreference(Table):
    """One member's choice for one kind of mail on one channel (``email`` or ``in_app``).

    No row means the default: everything on, the digest weekly. ``frequency`` matters only on the
    ``digest`` row: ``daily``, ``weekly`` or ``none``. One row per (member, kind, channel): a unique
    index in the migration.
    """

    id: ClassVar[Serial]
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)
    channel = Varchar(length=10, default="email")
    enabled = Boolean(default=True)
    frequency = Varchar(length=10, default="weekly")
    updated_at = Timestamptz()


class NewsletterItem(Table):
    """A member's announcement for their community's newsletter of one ISO week (``2026-W49``).

    One per member per week (a unique index in the migration); organizers may edit or remove it.
    """

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    week = Varchar(length=10)
    author_name = Varchar(length=80, default="")
    text = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class NewsletterIssue(Table):
    """The newsletter of one week as it went out (frozen: later edits do not change it); one per week."""

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, index=True)
    week = Varchar(length=10)
    items = Text(default="[]")
    created_at = Timestamptz()


class SigningKey(Table):
    """A random key for signing unsubscribe links (made once, on first use; ``name`` says what it signs)."""

    id: ClassVar[Serial]
    name = Varchar(length=40, unique=True)
    secret = Varchar(length=128)
    created_at = Timestamptz()


class LadderMark(Table):
    """A rung of the ladder a member climbed that nothing else records (browsing the members)."""

    id: ClassVar[Serial]
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    rung = Varchar(length=20)
    created_at = Timestamptz()
