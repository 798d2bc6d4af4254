"""Formula injection through email addresses: refused at every door, and defused in every CSV we write.

The attack: an "email" such as ``=HYPERLINK("http://evil.test/?a@b.c","Click")`` has one ``@`` and a dot after
it, so a loose check lets it in; the mailing list then hands it to a spreadsheet as a live formula.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import uuid
from typing import Any

import httpx

from tests.helpers import EventHandle, Server, make_event

FORMULA = '=HYPERLINK("http://evil.test/?a@b.c","Click")'
BAD_EMAILS = [
    FORMULA,
    "+cmd@evil.test",
    "-2+3@evil.test",
    "@SUM(A1)@evil.test",
    '"quoted local"@example.org',
    "name(comment)@example.org",
    "tab\tin@example.org",
    "line\u0085break@example.org",
]


def participants(ev: EventHandle) -> list[dict[str, Any]]:
    r = ev.organizer.get(ev.url("/participants"))
    assert r.status_code == 200, r.text
    return r.json()


def run_sql(database_url: str, query: str, *args: Any) -> None:
    """Write straight into the server's database (SQLite or PostgreSQL), as an older release would have."""
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            db.execute(query.replace("$1", "?").replace("$2", "?").replace("$3", "?"), args)
        return

    import asyncpg

    async def write() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(query, *args)
        finally:
            await conn.close()

    asyncio.run(write())


def assert_refused(r: httpx.Response, field: str) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) >= {"error", "detail", "field"}, body
    assert body["field"] == field, body


def test_join_refuses_formula_and_non_plain_addresses(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    before = participants(ev)
    with server.client() as anon:
        for bad in BAD_EMAILS:
            r = anon.post(ev.url("/join"), json={"display_name": "Mallory", "join_code": ev.join_code, "email": bad})
            assert r.status_code == 400, (bad, r.text)
            assert r.json()["field"] == "email" and r.json()["error"] == "validation_failed", r.json()
        fine = {"display_name": "Ok", "join_code": ev.join_code, "email": "o'neil+tag@school.example"}
        ok = anon.post(ev.url("/join"), json=fine)
        assert ok.status_code == 201, ok.text
    after = participants(ev)
    assert [p["email"] for p in after] == [p["email"] for p in before] + ["o'neil+tag@school.example"]


def test_event_and_edcamp_creation_refuse_a_formula_email(server: Server) -> None:
    slug = f"t-{uuid.uuid4().hex[:10]}"
    with server.client() as anon:
        r = anon.post(
            "/api/v1/events",
            json={
                "title": "Injected",
                "slug": slug,
                "start_date": "2026-11-21",
                "organizer_name": "M",
                "organizer_email": FORMULA,
            },
        )
        assert_refused(r, "organizer_email")
        assert anon.get(f"/api/v1/events/{slug}").status_code == 404, "nothing half-written"
        r = anon.post(
            "/api/v1/edcamps",
            json={
                "title": "Injected camp",
                "slug": slug,
                "start_date": "2026-11-21",
                "organizer_name": "M",
                "organizer_email": FORMULA,
            },
        )
        assert_refused(r, "organizer_email")
        assert anon.get(f"/api/v1/events/{slug}").status_code == 404, "nothing half-written"


def test_csv_import_leaves_formula_addresses_out(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    rows = ["Name,Email", "Ada Lovelace,ada@school.example"]
    rows += [f'Bad {i},"{bad.replace(chr(34), chr(34) * 2)}"' for i, bad in enumerate(BAD_EMAILS[:6])]
    body = ("\r\n".join(rows) + "\r\n").encode()
    r = ev.organizer.post(
        ev.url("/registrants/import"),
        files={"file": ("people.csv", body, "text/csv")},
        data={"mapping": '{"email": "Email", "name": "Name"}'},
    )
    assert r.status_code == 201, r.text
    report = r.json()
    assert [p["email"] for p in report["new"]] == ["ada@school.example"]
    assert sorted(p["line"] for p in report["problems"]) == list(range(3, 9))
    assert all(p["field"] == "email" for p in report["problems"])
    emails = [p["email"] for p in participants(ev)]
    assert not any(e and e.startswith(("=", "+", "-", "@", '"')) for e in emails), emails


def test_every_csv_defuses_an_address_stored_before_the_check(server: Server) -> None:
    """A database from an older release may hold such an address: the files still never run it."""
    ev = make_event(server)
    ev.phase("proposals")
    _, me = ev.join("Mallory")
    run_sql(server.database_url, "UPDATE participant SET email = $1 WHERE id = $2", FORMULA, me["id"])
    assert any(p["email"] == FORMULA for p in participants(ev))

    for fmt in ("mailchimp", "constant_contact"):
        r = ev.organizer.get(ev.url("/mailing-list.csv"), params={"format": fmt})
        assert r.status_code == 200, r.text
        cells = [cell for row in csv.reader(io.StringIO(r.text)) for cell in row]
        assert "'" + FORMULA in cells, cells
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells

    r = ev.organizer.get(f"/e/{ev.slug}/export/participants.csv")
    assert r.status_code == 200, r.text
    cells = [cell for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) for cell in row]
    assert "'" + FORMULA in cells, cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells), cells
