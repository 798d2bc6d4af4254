"""Request and response bodies for registrant import, invitations and the participant export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar.datastructures import UploadFile
from msgspec import Meta

Header = Annotated[str, Meta(min_length=1, max_length=200)]
Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Source = Literal["auto", "eventbrite", "google_forms", "csv"]
Format = Literal["eventbrite", "google_forms", "csv"]


class ColumnMapping(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Which column holds what; a display name comes from ``name`` or from first and last name."""

    email: Header
    name: Header | None = None
    first_name: Header | None = None
    last_name: Header | None = None
    external_id: Header | None = None


class ImportForm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """multipart/form-data: a CSV ``file`` or a ``url`` to fetch it from, and optionally the confirmed mapping.

    ``mapping`` is a JSON object such as ``{"email": "E-mail", "name": "Full name"}``; a CSV that is not
    a recognised export (Eventbrite, Google Forms) needs it to be imported.
    """

    file: UploadFile | None = None
    url: Annotated[str, Meta(max_length=2000)] | None = None
    source: Source = "auto"
    mapping: Annotated[str, Meta(max_length=4000)] | None = None


class PersonRow(msgspec.Struct, kw_only=True):
    line: int
    email: str
    display_name: str
    first_name: str
    last_name: str
    external_id: str = ""
    participant_id: int | None = None


class RowIssue(msgspec.Struct, kw_only=True):
    """A row we could not import (a problem) or imported with an adjustment (a note)."""

    line: int
    reason: str
    field: str | None = None
    email: str | None = None


class Duplicate(msgspec.Struct, kw_only=True):
    email: str
    lines: list[int]
    kept_line: int


class ImportReport(msgspec.Struct, kw_only=True):
    """Every data row is in exactly one of new, existing, problems, or a duplicate's later lines."""

    format: Format
    columns: list[str]
    mapping: ColumnMapping | None
    mapping_needed: bool
    rows: int
    blank_rows: int
    new: list[PersonRow]
    existing: list[PersonRow]
    duplicates: list[Duplicate]
    problems: list[RowIssue]
    notes: list[RowIssue]
    imported: bool = False


class InviteRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Whom to invite: the listed participants, or everyone with an email who has not used a link yet."""

    participant_ids: Annotated[list[Id], Meta(max_length=10_000)] | None = None
    include_redeemed: bool = False


class Skipped(msgspec.Struct, kw_only=True):
    participant_id: int
    reason: str


class InviteLink(msgspec.Struct, kw_only=True):
    participant_id: int
    display_name: str
    email: str | None
    link: str


class InviteLinks(msgspec.Struct, kw_only=True):
    """Fresh links, shown only in this answer (codes are stored hashed); older links stop working."""

    links: list[InviteLink]
    skipped: list[Skipped]


class InvitesQueued(msgspec.Struct, kw_only=True):
    queued: int
    skipped: list[Skipped]


class RevokeRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    sign_out: bool = False


class RedeemRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, Meta(min_length=1, max_length=200)]


class InvitationStatus(msgspec.Struct, kw_only=True):
    participant_id: int
    display_name: str
    email: str | None
    source: str
    link_active: bool
    invited_at: datetime | None
    redeemed_at: datetime | None
    revoked_at: datetime | None


ExportFormat = Literal["mailchimp", "constant_contact"]
