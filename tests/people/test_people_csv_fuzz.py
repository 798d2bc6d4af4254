"""Whatever bytes arrive, reading a registrant CSV either works or names the field to blame (never a crash)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from people.csvimport import parse
from people.schemas import ColumnMapping
from unconf.errors import ValidationFailed

CELLS = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
ROWS = st.lists(st.lists(CELLS, max_size=6), max_size=12)


def to_csv(header: list[str], rows: list[list[str]], sep: str) -> bytes:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in f'{sep}"\r\n') else value

    lines = [sep.join(cell(c) for c in header)] + [sep.join(cell(c) for c in row) for row in rows]
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")


def check(raw: bytes, mapping: ColumnMapping | None) -> None:
    try:
        parsed = parse(raw, mapping=mapping)
    except ValidationFailed as exc:
        assert exc.field in ("file", "source") or (exc.field or "").startswith("mapping"), exc.field
        return
    later_duplicates = sum(len(d.lines) - 1 for d in parsed.duplicates)
    if parsed.mapping is not None:
        assert len(parsed.people) + len(parsed.problems) + later_duplicates == parsed.rows
    assert all(p.line >= 2 for p in parsed.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    check(raw, None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, sep=st.sampled_from([",", ";", "\t"]))
def test_random_rows_under_a_real_header(rows: list[list[str]], sep: str) -> None:
    try:
        raw = to_csv(["Name", "Email", "Notes"], rows, sep)
    except UnicodeEncodeError:
        return
    check(raw, ColumnMapping(email="Email", name="Name"))
    check(raw, None)
