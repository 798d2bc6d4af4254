"""The console's forms as a browser posts them: every row in one save, all or nothing."""

from __future__ import annotations

from urllib.parse import unquote

import httpx

from tests.helpers import Server, make_event


def console(server: Server, key: str, slug: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=60)
    assert client.post(f"/e/{slug}/organize/signin", data={"key": key}).status_code == 303
    return client


def flash(response: httpx.Response) -> str:
    return unquote(response.cookies.get("unconf_flash", ""))


def test_rooms_and_slots_save_every_row_or_none(server: Server) -> None:
    ev = make_event(server, start_date="2099-05-04", timezone="Europe/Berlin")
    api = ev.organizer
    a = api.post(ev.url("/rooms"), json={"name": "Aula", "capacity": 100}).json()
    b = api.post(ev.url("/rooms"), json={"name": "Lab", "capacity": 20}).json()
    day = "2099-05-04"
    one = api.post(ev.url("/slots"), json={"starts_at": f"{day}T09:00", "ends_at": f"{day}T09:45"}).json()
    two = api.post(ev.url("/slots"), json={"starts_at": f"{day}T10:00", "ends_at": f"{day}T10:45"}).json()
    org = console(server, ev.organizer_key, ev.slug)
    try:
        rows = {
            f"room.{a['id']}.name": "Great hall",
            f"room.{a['id']}.capacity": "120",
            f"room.{b['id']}.name": "Lab",
            f"room.{b['id']}.capacity": "20",
            f"room.{b['id']}.video_link": "ftp://example.org/lab",
            f"room.{b['id']}.hosts_breakouts": "on",
        }
        r = org.post(f"/e/{ev.slug}/organize/rooms/save", data=rows)
        assert r.status_code == 303 and flash(r).startswith("!") and "http(s) URL" in flash(r)
        names = [room["name"] for room in api.get(ev.url("/rooms")).json()]
        assert names == ["Aula", "Lab"], "a refused save leaves every row as it was"

        # Names swapped between two rows save in one go.
        swapped = {**rows, f"room.{a['id']}.name": "Lab", f"room.{b['id']}.name": "Aula"}
        swapped[f"room.{b['id']}.video_link"] = "https://meet.example.org/aula"
        r = org.post(f"/e/{ev.slug}/organize/rooms/save", data=swapped)
        assert flash(r) == "Saved 2 rooms.", flash(r)
        rooms = {room["id"]: room for room in api.get(ev.url("/rooms")).json()}
        assert (rooms[a["id"]]["name"], rooms[a["id"]]["capacity"], rooms[a["id"]]["hosts_breakouts"]) == (
            "Lab",
            120,
            False,
        )
        assert (rooms[b["id"]]["name"], rooms[b["id"]]["video_link"]) == ("Aula", "https://meet.example.org/aula")

        twin = {**swapped, f"room.{a['id']}.name": "Aula"}
        r = org.post(f"/e/{ev.slug}/organize/rooms/save", data=twin)
        assert "two rooms are named 'aula'" in flash(r).lower()

        # Everything 30 minutes later: the first row moves into the time the second is leaving.
        later = {
            f"slot.{one['id']}.starts": "09:30",
            f"slot.{one['id']}.ends": "10:15",
            f"slot.{one['id']}.kind": "breakout",
            f"slot.{two['id']}.starts": "10:30",
            f"slot.{two['id']}.ends": "11:15",
            f"slot.{two['id']}.kind": "breakout",
            f"slot.{two['id']}.label": "After coffee",
        }
        r = org.post(f"/e/{ev.slug}/organize/slots/save", data=later)
        assert "2 slots changed" in flash(r), flash(r)
        slots = api.get(ev.url("/slots")).json()
        assert [(s["starts_at"][11:16], s["ends_at"][11:16], s["label"]) for s in slots] == [
            ("09:30", "10:15", ""),
            ("10:30", "11:15", "After coffee"),
        ]
        clash = {**later, f"slot.{one['id']}.ends": "10:45"}
        r = org.post(f"/e/{ev.slug}/organize/slots/save", data=clash)
        assert "would overlap; nothing was saved" in flash(r)
        assert api.get(ev.url("/slots")).json() == slots

        r = org.post(f"/e/{ev.slug}/organize/participants/remove", data={})
        assert "tick the people to remove" in flash(r).lower()
        ev.phase("proposals")
        r = org.post(f"/e/{ev.slug}/organize/phase", data={"phase": "proposals", "ends_at": ""})
        assert "pick when the countdown ends" in flash(r).lower()
        r = org.post(f"/e/{ev.slug}/organize/phase", data={"phase": "proposals", "ends_at": "2099-05-04T08:50"})
        assert flash(r) == "The countdown now ends at 8:50\u202fAM."  # Babel's English clock
        assert api.get(ev.url()).json()["phase_ends_at"].startswith("2099-05-04T08:50:00+02:00")
        r = org.post(
            f"/e/{ev.slug}/organize/settings", data={"title": "X", "timezone": "Mars/Base", "dots_per_participant": "3"}
        )
        assert "IANA" in flash(r) and api.get(ev.url()).json()["title"] == "Edcamp Test"
        r = org.post(
            f"/e/{ev.slug}/organize/video",
            data={"provider": "bbb", "bbb.config.base_url": "https://bbb.example.org/bigbluebutton/api"},
        )
        assert flash(r).startswith("!"), "a provider outside the free tier is refused"
        assert api.get(ev.url("/video")).json()["provider"] == "jitsi"
    finally:
        org.close()
        ev.organizer.close()
