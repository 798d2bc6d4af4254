"""Reading registrant CSVs (Eventbrite, Google Forms/Sheets, anything with a mapping). Pure: no DB, no HTTP.

Every data row ends up in exactly one bucket (a person, a duplicate, a problem with its line
number), so nothing is ever dropped without saying so.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from people.schemas import ColumnMapping, Duplicate, Format, PersonRow, RowIssue
from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import clean_email, clean_text

MAX_ROWS = 10_000
MAX_COLUMNS = 200
MAX_CELL = 2_000
# Eventbrite marks people who will not come; importing them would invite the wrong people.
EVENTBRITE_NOT_COMING = {"not attending", "refunded", "cancelled", "canceled", "deleted", "transferred"}

_EMAIL_HEADER = re.compile(r"^(e-?mail|email address|e-mail address|mail|emailaddress|e-?mail-adresse)$", re.I)
_NAME_HEADER = re.compile(r"^(name|full name|display name|your name|participant|attendee name|attendee)$", re.I)
_FIRST_HEADER = re.compile(r"^(first name|firstname|first|given name|vorname|prénom|prenom)$", re.I)
_LAST_HEADER = re.compile(r"^(last name|lastname|last|surname|family name|nachname|nom)$", re.I)
_ID_HEADER = re.compile(r"^(attendee #|id|registration id|ticket id|order #)$", re.I)


@dataclass
class Parsed:
    format: Format
    columns: list[str]
    mapping: ColumnMapping | None
    mapping_needed: bool
    rows: int = 0
    blank_rows: int = 0
    people: list[PersonRow] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    problems: list[RowIssue] = field(default_factory=list)
    notes: list[RowIssue] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without the BOM Excel adds) or UTF-16 with a BOM; anything else is refused, not guessed."""
    if not raw.strip():
        raise ValidationFailed(_("the file is empty"), field="file", code="unreadable_file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                _("the file is not valid UTF-16 text"), field="file", code="unreadable_file"
            ) from exc
    if b"\x00" in raw[:4096]:
        raise ValidationFailed(
            _("the file is not a CSV text file (is it a spreadsheet? save it as CSV UTF-8)"),
            field="file",
            code="unreadable_file",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationFailed(
            _("the file is not UTF-8 text (line {line}); save it as 'CSV UTF-8'").format(line=line),
            field="file",
            code="unreadable_file",
        ) from exc


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each record with the line it starts on (quoted cells may span lines)."""
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    last_line = 0
    try:
        for record in reader:
            start = last_line + 1
            last_line = reader.line_num
            if header is None:
                if not any(cell.strip() for cell in record):
                    continue
                header = [cell.strip() for cell in record]
                continue
            if len(records) >= MAX_ROWS:
                raise ValidationFailed(
                    _("the file has more than {count} rows; split it").format(count=MAX_ROWS),
                    field="file",
                    code="too_many_rows",
                )
            records.append((start, record))
    except csv.Error as exc:
        raise ValidationFailed(
            _("the file is not valid CSV near line {line}: {problem}").format(line=reader.line_num, problem=exc),
            field="file",
            code="unreadable_file",
        ) from exc
    if header is None:
        raise ValidationFailed(_("the file has no header row"), field="file", code="unreadable_file")
    if len(header) > MAX_COLUMNS:
        raise ValidationFailed(
            _("the file has more than {count} columns").format(count=MAX_COLUMNS), field="file", code="unreadable_file"
        )
    return header, records


def _find(columns: list[str], pattern: re.Pattern[str]) -> str | None:
    return next((c for c in columns if pattern.match(c.strip())), None)


def detect(columns: list[str], source: str) -> tuple[Format, ColumnMapping | None]:
    """Recognise the export by its header; the mapping is known for known exports and guessed otherwise."""
    names = {c.strip().lower() for c in columns}
    is_eventbrite = {"order #", "first name", "last name", "email"} <= names
    is_forms = {"timestamp", "email address"} <= names
    if source == "eventbrite" or (source == "auto" and is_eventbrite):
        if not is_eventbrite:
            raise ValidationFailed(
                _("this is not an Eventbrite attendee export: it needs the columns {columns}").format(
                    columns="Order #, First Name, Last Name, Email"
                ),
                field="source",
            )
        return "eventbrite", ColumnMapping(
            email=_find(columns, re.compile(r"^email$", re.I)) or "Email",
            first_name=_find(columns, re.compile(r"^first name$", re.I)),
            last_name=_find(columns, re.compile(r"^last name$", re.I)),
            external_id=_find(columns, re.compile(r"^attendee #$", re.I))
            or _find(columns, re.compile(r"^order #$", re.I)),
        )
    email = _find(columns, _EMAIL_HEADER)
    guess = None
    if email is not None:
        guess = ColumnMapping(
            email=email,
            name=_find(columns, _NAME_HEADER),
            first_name=_find(columns, _FIRST_HEADER),
            last_name=_find(columns, _LAST_HEADER),
            external_id=_find(columns, _ID_HEADER),
        )
    if source == "google_forms" or (source == "auto" and is_forms):
        return "google_forms", guess
    return "csv", guess


def check_mapping(mapping: ColumnMapping, columns: list[str]) -> None:
    present = set(columns)
    for name in ("email", "name", "first_name", "last_name", "external_id"):
        column = getattr(mapping, name)
        if column is not None and column not in present:
            raise ValidationFailed(
                _(
                    "mapping.{name} names the column {column!r}, which the file does not have (columns: {columns})"
                ).format(name=name, column=column, columns=", ".join(repr(c) for c in columns[:20])),
                field=f"mapping.{name}",
            )


def _cell(record: list[str], index: dict[str, int], column: str | None) -> str:
    if column is None:
        return ""
    i = index[column]
    # Spreadsheets let a cell hold line breaks and tabs; in a name or an address they mean a space.
    return " ".join(record[i].split()) if i < len(record) else ""


def parse(raw: bytes, *, source: str = "auto", mapping: ColumnMapping | None = None) -> Parsed:
    """Read the file into people, duplicates and problems; raises only when the whole file is unusable."""
    header, records = _read(decode(raw))
    fmt, guessed = detect(header, source)
    if mapping is not None:
        check_mapping(mapping, header)
    chosen = mapping or guessed
    # A recognised export's mapping is known; any other CSV's guess is shown but must be confirmed.
    parsed = Parsed(
        format=fmt,
        columns=header,
        mapping=chosen,
        mapping_needed=mapping is None and (fmt == "csv" or guessed is None),
    )
    if chosen is None:
        parsed.rows = sum(1 for _line, r in records if any(c.strip() for c in r))
        parsed.blank_rows = len(records) - parsed.rows
        return parsed
    index = {name: i for i, name in reversed(list(enumerate(header)))}
    status_col = None
    if fmt == "eventbrite":
        status_col = next((c for c in header if c.strip().lower() == "attendee status"), None)
    first_seen: dict[str, PersonRow] = {}
    dup_lines: dict[str, list[int]] = {}
    for line, record in records:
        if not any(cell.strip() for cell in record):
            parsed.blank_rows += 1
            continue
        parsed.rows += 1
        issue = _row(parsed, line, record, header, index, chosen, status_col)
        if isinstance(issue, RowIssue):
            parsed.problems.append(issue)
            continue
        key = issue.email.lower()
        if key in first_seen:
            dup_lines.setdefault(key, [first_seen[key].line]).append(line)
            continue
        first_seen[key] = issue
        parsed.people.append(issue)
    parsed.duplicates = [
        Duplicate(email=first_seen[key].email, lines=lines, kept_line=lines[0]) for key, lines in dup_lines.items()
    ]
    return parsed


def _row(
    parsed: Parsed,
    line: int,
    record: list[str],
    header: list[str],
    index: dict[str, int],
    mapping: ColumnMapping,
    status_col: str | None,
) -> PersonRow | RowIssue:
    extra = [c for c in record[len(header) :] if c.strip()]
    if extra:
        return RowIssue(
            line=line,
            reason=_("the row has {cells} cells but the header has {columns}").format(
                cells=len(record), columns=len(header)
            ),
        )
    if any(len(c) > MAX_CELL for c in record):
        return RowIssue(line=line, reason=_("a cell is longer than {count} characters").format(count=MAX_CELL))
    email = _cell(record, index, mapping.email)
    if not email:
        return RowIssue(line=line, reason=_("the email is empty"), field="email")
    try:
        clean_email(email, "email")
    except ValidationFailed:
        return RowIssue(
            line=line,
            reason=_("{email!r} is not an email address").format(email=email[:80]),
            field="email",
            email=email[:254],
        )
    if status_col is not None:
        status = _cell(record, index, status_col)
        if status.lower() in EVENTBRITE_NOT_COMING:
            return RowIssue(
                line=line,
                reason=_("Eventbrite attendee status is {status!r}").format(status=status),
                field="status",
                email=email,
            )
    try:
        first = clean_text(_cell(record, index, mapping.first_name), "first_name", max_length=80, required=False)
        last = clean_text(_cell(record, index, mapping.last_name), "last_name", max_length=80, required=False)
        full = clean_text(_cell(record, index, mapping.name), "name", max_length=200, required=False)
        external = clean_text(_cell(record, index, mapping.external_id), "external_id", max_length=100, required=False)
    except ValidationFailed as exc:
        return RowIssue(line=line, reason=exc.detail, field=exc.field, email=email)
    name = full or " ".join(p for p in (first, last) if p)
    if not name:
        name = email.split("@", 1)[0][:80]
        parsed.notes.append(
            RowIssue(line=line, reason=_("no name: shown as {name!r}").format(name=name), field="name", email=email)
        )
    elif len(name) > 80:
        name = name[:80].rstrip()
        parsed.notes.append(
            RowIssue(
                line=line,
                reason=_("the name was cut to {count} characters").format(count=80),
                field="name",
                email=email,
            )
        )
    if not first and not last and full:
        first, _space, last = full.rpartition(" ") if " " in full else (full, "", "")
        first, last = first[:80], last[:80]
    return PersonRow(line=line, email=email, display_name=name, first_name=first, last_name=last, external_id=external)
