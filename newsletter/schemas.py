"""Bodies of the newsletter API: preferences, newsletter items and issues, the ladder."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Kind = Literal["welcome", "notes", "digest", "newsletter", "reminders"]
Frequency = Literal["daily", "weekly", "none"]


class KindPreference(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One kind of message: whether it comes by email and in the app."""

    kind: Kind
    email: bool = True
    in_app: bool = True


class PreferencesOut(msgspec.Struct, kw_only=True):
    digest: Frequency
    kinds: list[KindPreference]


class PreferencesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What to change; kinds left out keep their choice."""

    digest: Frequency | None = None
    kinds: list[KindPreference] = []


class NewsletterItemIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: str = msgspec.field(default="")


class NewsletterItemOut(msgspec.Struct, kw_only=True):
    id: int
    week: str
    author_name: str
    text: str
    mine: bool = False
    created_at: datetime


class IssueItem(msgspec.Struct, kw_only=True):
    author_name: str
    text: str


class IssueOut(msgspec.Struct, kw_only=True):
    week: str
    items: list[IssueItem]
    sent_at: datetime


class NewsletterOut(msgspec.Struct, kw_only=True):
    """This week's items (the issue to come) and the issues that went out, newest first."""

    week: str
    items: list[NewsletterItemOut]
    issues: list[IssueOut]


class Rung(msgspec.Struct, kw_only=True):
    rung: str
    label: str
    done: bool
    href: str = ""


class LadderOut(msgspec.Struct, kw_only=True):
    rungs: list[Rung]
    next: str | None


class RungCount(msgspec.Struct, kw_only=True):
    rung: str
    label: str
    members: int


class Unsubscribed(msgspec.Struct, kw_only=True):
    kind: str
    detail: str
