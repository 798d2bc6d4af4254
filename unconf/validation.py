"""Checks on free text and names that msgspec's type constraints cannot express."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from typing import overload
from zoneinfo import ZoneInfo

from unconf.errors import NotFound, ValidationFailed
from unconf.i18n import format_list, ngettext
from unconf.i18n import gettext as _

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
SLUG_PATTERN = _SLUG
_TAG = re.compile(r"^[\w][\w .+#-]{0,39}$", re.UNICODE)


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC times; make them explicit so comparisons and offsets are right."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@overload
def in_timezone(value: datetime, tz: tzinfo) -> datetime: ...
@overload
def in_timezone(value: None, tz: tzinfo) -> None: ...
def in_timezone(value: datetime | None, tz: tzinfo) -> datetime | None:
    """A stored time as the event's wall clock, with its offset (naive values are UTC, see ``aware``)."""
    return None if value is None else aware(value).astimezone(tz)


# Characters that draw nothing on their own: a text made only of these (and spaces) says nothing.
_BLANK_LOOKING = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_noncharacter(ch: str) -> bool:
    """Unicode's permanent noncharacters (U+FDD0..U+FDEF and the last two code points of every plane)."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean_text(value: str, field: str, *, max_length: int, multiline: bool = False, required: bool = True) -> str:
    """Trim; refuse control characters (NUL and friends break databases and terminals), line and paragraph
    separators, noncharacters, and text made only of invisible characters (such as zero-width joiners)."""
    text = unicodedata.normalize("NFC", value).strip()
    allowed = {"\n", "\t", "\r"} if multiline else set()
    visible = False
    for ch in text:
        if ch in allowed:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or cat == "Cs" or (cat == "Cf" and ch not in "\u200d\u200c\ufe0f"):
            raise ValidationFailed(
                _("{field} contains a control character ({codepoint})").format(
                    field=field, codepoint=f"U+{ord(ch):04X}"
                ),
                field=field,
            )
        if cat in ("Zl", "Zp"):
            raise ValidationFailed(
                _("{field} contains a line or paragraph separator ({codepoint})").format(
                    field=field, codepoint=f"U+{ord(ch):04X}"
                ),
                field=field,
            )
        if is_noncharacter(ch):
            raise ValidationFailed(
                _("{field} contains a noncharacter ({codepoint})").format(field=field, codepoint=f"U+{ord(ch):04X}"),
                field=field,
            )
        if cat not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LOOKING:
            visible = True
    if text and not visible:
        raise ValidationFailed(_("{field} has only invisible characters").format(field=field), field=field)
    if required and not text:
        raise ValidationFailed(_("{field} must not be empty").format(field=field), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            ngettext(
                "{field} is longer than {max_length} character",
                "{field} is longer than {max_length} characters",
                max_length,
            ).format(field=field, max_length=max_length),
            field=field,
        )
    return text.replace("\r\n", "\n")


# A plain addr-spec: a dot-atom local part, "@", a domain of letter/digit/hyphen labels with a dot.
# Quoted local parts, comments in parentheses, spaces and control characters are legal in RFC 5322 and
# useless here; refusing them keeps an address from doubling as a spreadsheet formula or a header trick.
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
# A cell that starts with one of these runs as a formula in a spreadsheet (see unconf.csvsafe).
_NO_LEADING = frozenset("=+-@")


def _atom_char(ch: str) -> bool:
    return ch in _ATEXT or (ord(ch) > 127 and ch.isalnum())


def _label_ok(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and all(ch == "-" or ch.isalnum() for ch in label)
        and not label.startswith("-")
        and not label.endswith("-")
    )


def is_plain_email(email: str) -> bool:
    """``local@domain.tld`` with no quotes, parentheses, spaces, control characters or formula start."""
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or len(local) > 64 or email[0] in _NO_LEADING:
        return False
    if not all(atom and all(_atom_char(ch) for ch in atom) for atom in local.split(".")):
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(_label_ok(label) for label in labels) and not labels[-1].isdigit()


def clean_email(value: str | None, field: str) -> str | None:
    """The one email check (join, event and Edcamp creation, CSV import, event files): a plain addr-spec."""
    if value is None:
        return None
    email = clean_text(value, field, max_length=254)
    if not is_plain_email(email):
        raise ValidationFailed(
            _(
                "{field} is not a plain email address like name@example.org "
                "(no spaces, quotes or parentheses, and not starting with = + - or @)"
            ).format(field=field),
            field=field,
        )
    return email


def clean_tags(values: list[str], field: str = "tags", *, limit: int = 10) -> list[str]:
    if len(values) > limit:
        raise ValidationFailed(_("at most {limit} {field}").format(limit=limit, field=field), field=field)
    out: list[str] = []
    for raw in values:
        tag = clean_text(raw, field, max_length=40).lower()
        if not _TAG.match(tag):
            raise ValidationFailed(
                _("{field} entry {tag!r} has characters we do not accept").format(field=field, tag=tag), field=field
            )
        if tag not in out:
            out.append(tag)
    return out


def check_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValidationFailed(
            _("slug must be 1-64 lowercase letters, digits or dashes, not starting or ending with a dash"),
            field="slug",
        )
    return slug


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:48].strip("-")
    return slug or "event"


def check_timezone(name: str) -> ZoneInfo:
    try:
        if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except Exception as exc:  # ZoneInfo raises several types for bad keys
        raise ValidationFailed(
            _("timezone {name!r} is not an IANA timezone such as Europe/Berlin").format(name=name[:64]),
            field="timezone",
        ) from exc


def parse_datetime(text: str, tz: ZoneInfo, field: str) -> datetime:
    """ISO 8601 from people: '2026-11-21T09:30', '2026-11-21 09:30', with or without an offset."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationFailed(
            _("{field} must be a date and time like 2026-11-21T09:30 (optionally with an offset)").format(field=field),
            field=field,
        ) from exc
    return to_utc(value, tz, field)


def to_utc(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """Naive times are wall-clock times in the event's timezone.

    A wall-clock time the clocks skip (spring forward) does not exist and is refused; one they pass
    twice (fall back) is ambiguous and needs an explicit offset. Neither is silently moved.
    """
    try:
        if value.tzinfo is None:
            local = value.replace(tzinfo=tz, fold=0)
            later = value.replace(tzinfo=tz, fold=1)
            if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
                raise ValidationFailed(
                    _(
                        "{field} {time} does not exist in {timezone}: the clocks skip "
                        "that time (daylight saving time begins); pick a time outside the gap"
                    ).format(field=field, time=value.isoformat(timespec="minutes"), timezone=tz.key),
                    field=field,
                )
            if local.utcoffset() != later.utcoffset():
                offsets = format_list([_offset(o.utcoffset()) for o in (local, later)], style="or")
                raise ValidationFailed(
                    _(
                        "{field} {time} happens twice in {timezone} (daylight saving "
                        "time ends); add the offset you mean, {offsets}"
                    ).format(field=field, time=value.isoformat(timespec="minutes"), timezone=tz.key, offsets=offsets),
                    field=field,
                )
            value = local
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationFailed(_("{field} is out of range").format(field=field), field=field) from exc


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


MAX_DB_INT = 2**31 - 1


def check_id(value: int, field: str) -> int:
    """Ids outside the database's range cannot exist; answer 404, not a driver error."""
    if not 0 < value <= MAX_DB_INT:
        raise NotFound(
            _("no {thing} with id {value}").format(thing=field.removesuffix("_id"), value=value), field=field
        )
    return value
