"""Usage metering: person-minutes of video per session, and the usage report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from rooms_support import join_location, published

from rooms.metering import Visit, meter, visit_minutes
from tests.conftest import Server

DAY = datetime(2026, 11, 21, tzinfo=UTC)


def at(hhmm: str, seconds: int = 0) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return DAY + timedelta(hours=h, minutes=m, seconds=seconds)


def test_metering_arithmetic_on_a_scripted_day() -> None:
    """Session 1 runs 09:00-09:45, session 2 10:00-10:45; the report is read at noon."""
    s1_end, s2_end = at("09:45"), at("10:45")
    visits = [
        # Alice joins session 1's video, then walks to session 2's room and checks in: 20 video minutes.
        Visit(1, 1, "video", at("09:00"), ended_at=at("09:20"), ends_by=s1_end),
        Visit(1, 2, "checkin", at("09:20"), ended_at=None, ends_by=s2_end),
        # Bob joins session 1 and never moves: metered until the slot ends, 40 minutes.
        Visit(2, 1, "video", at("09:05"), ends_by=s1_end),
        # Carol pops in for 30 seconds and goes to the main room: one started minute.
        Visit(3, 1, "video", at("09:10", 30), ended_at=at("09:11"), ends_by=s1_end),
        Visit(3, None, "video", at("09:11"), ended_at=at("09:31"), ends_by=at("12:30")),
        # Bob's second join of session 1 later the same slot (a reconnect) counts its own minutes: 1.
        Visit(2, 1, "video", at("09:44", 1), ended_at=None, ends_by=s1_end),
        # Dan joins session 2 and checks out at 10:30:01: 31 started minutes.
        Visit(4, 2, "video", at("10:00"), ended_at=at("10:30", 1), ends_by=s2_end),
        # A join that ends the moment it starts costs nothing.
        Visit(5, 2, "video", at("10:05"), ended_at=at("10:05"), ends_by=s2_end),
    ]
    tallies = meter(visits, now=at("12:00"))
    assert tallies[1].video_minutes == 20 + 40 + 1 + 1
    assert tallies[1].joiners == {1, 2, 3}
    assert tallies[2].video_minutes == 31 + 0
    assert tallies[2].joiners == {4, 5}
    assert tallies[2].checkin_minutes == 85 and tallies[2].checkers == {1}  # 09:20 until the slot's end
    assert tallies[None].video_minutes == 20
    # Read mid-session, open visits stop at "now".
    assert meter(visits, now=at("09:15"))[1].video_minutes == 15 + 10 + 1
    assert visit_minutes(Visit(1, 1, "video", at("09:00"), ends_by=at("08:00")), at("12:00")) == 0


def test_usage_report_prices_video_minutes_on_the_paid_tier(server: Server) -> None:
    sc = published(server, tier="paid", sessions=2)
    try:
        slug = sc.ev.slug
        pid = sc.agenda["sessions"][0]["proposal_id"]
        for client, _ in sc.people[:3]:
            join_location(client, f"/e/{slug}/s/{pid}/join")
        sc.people[0][0].post(sc.ev.url(f"/sessions/{pid}/checkin"))
        r = sc.ev.organizer.get(sc.ev.url("/usage"))
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["tier"] == "paid" and report["price_per_person_minute_cents"] == 1
        lines = {line["proposal_id"]: line for line in report["lines"]}
        assert lines[pid]["video_joins"] == 3 and lines[pid]["checkins"] == 1
        assert None in lines and lines[None]["title"] == "Main room"
        for line in report["lines"]:
            assert line["price_cents"] == line["video_person_minutes"] * 1
        assert report["price_cents"] == report["video_person_minutes"]
        assert report["video_person_minutes"] == sum(line["video_person_minutes"] for line in report["lines"])

        r = sc.ev.organizer.get(sc.ev.url("/usage.csv"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == [
            "session_id",
            "title",
            "room",
            "video_joins",
            "checkins",
            "video_person_minutes",
            "checkin_person_minutes",
            "price_cents",
        ]
        assert rows[-1][0] == "total" and int(rows[-1][-1]) == report["price_cents"]
        assert any(row[0] == str(pid) and row[3] == "3" for row in rows[1:-1])

        assert sc.people[0][0].get(sc.ev.url("/usage")).status_code == 403
    finally:
        sc.close()


def test_usage_reports_are_a_paid_feature(server: Server) -> None:
    sc = published(server, sessions=2)
    try:
        for path in ("/usage", "/usage.csv"):
            r = sc.ev.organizer.get(sc.ev.url(path))
            assert r.status_code == 402, r.text
            assert r.json()["error"] == "payment_required" and r.json()["field"] == "usage_reports"
    finally:
        sc.close()


def test_usage_csv_cannot_smuggle_a_formula() -> None:
    from rooms.metering import usage_csv
    from rooms.schemas import UsageLine, UsageOut

    line = UsageLine(
        proposal_id=3,
        title='=HYPERLINK("http://x")',
        room_name="+Room",
        video_joins=1,
        checkins=0,
        video_person_minutes=5,
        checkin_person_minutes=0,
        price_cents=5,
    )
    report = UsageOut(
        event="e", tier="paid", price_per_person_minute_cents=1, lines=[line], video_person_minutes=5, price_cents=5
    )
    rows = list(csv.reader(io.StringIO(usage_csv(report))))
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][2] == "'+Room"
