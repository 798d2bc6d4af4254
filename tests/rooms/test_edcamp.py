"""The free Edcamp tier end to end: one-step setup, then a morning run to joined breakouts."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rooms_support import join_location

from tests.conftest import Server, run_cli


def test_one_step_edcamp_runs_end_to_end_on_the_free_tier(server: Server) -> None:
    today = datetime.now(UTC).date().isoformat()
    slug = f"edc-{uuid.uuid4().hex[:8]}"
    with server.client() as anon:
        r = anon.post(
            "/api/v1/edcamps",
            json={"title": "Edcamp Lakeside", "start_date": today, "organizer_name": "Olu", "slug": slug},
        )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["event"]["tier"] == "free" and made["event"]["phase"] == "proposals"
    assert made["event"]["settings"]["dots_per_participant"] == 3
    assert [room["name"] for room in made["rooms"]] == ["Main room", "Room 1", "Room 2", "Room 3", "Room 4"]
    assert [s["kind"] for s in made["slots"]] == ["plenary", "breakout", "breakout", "breakout", "plenary"]
    assert made["slots"][0]["starts_at"].startswith(f"{today}T09:00")
    assert made["video"]["provider"] == "jitsi" and made["video"]["main_room_id"] == made["rooms"][0]["id"]
    assert any("meet.jit.si" in note for note in made["next_steps"])
    assert made["join_link"].endswith(f"/e/{slug}/join?code={made['event']['join_code']}")

    org = server.client(made["organizer_key"])
    url = f"/api/v1/events/{slug}"
    people = []
    for i in range(8):
        r = org.post(f"{url}/join", json={"display_name": f"T{i}", "join_code": made["event"]["join_code"]})
        assert r.status_code == 201, r.text
        people.append(server.client(r.json()["token"]))
    for i, client in enumerate(people[:6]):
        assert client.post(f"{url}/proposals", json={"title": f"Idea {i}"}).status_code == 201
    assert org.post(f"{url}/phase", json={"phase": "voting"}).status_code == 200
    proposals = [p["id"] for p in org.get(f"{url}/proposals").json()]
    for i, client in enumerate(people):
        for pid in (proposals[i % 6], proposals[(i + 1) % 6], proposals[(i + 2) % 6]):
            assert client.post(f"{url}/votes", json={"proposal_id": pid}).status_code == 201
    assert org.post(f"{url}/agenda/build", json={"time_limit": 0.5}).status_code == 201
    assert org.post(f"{url}/agenda/publish").status_code == 201
    agenda = org.get(f"{url}/agenda").json()
    assert len(agenda["sessions"]) == 6
    for s in agenda["sessions"]:
        assert s["video_link"] == f"{server.base_url}/e/{slug}/s/{s['proposal_id']}/join"
        assert join_location(people[7], f"/e/{slug}/s/{s['proposal_id']}/join").startswith("https://meet.jit.si/")
    main = join_location(people[7], f"/e/{slug}/main/join")
    assert main.startswith("https://meet.jit.si/") and main.split("#")[0] not in {
        join_location(people[7], f"/e/{slug}/s/{s['proposal_id']}/join").split("#")[0] for s in agenda["sessions"]
    }
    occ = org.get(f"{url}/occupancy").json()
    assert next(r for r in occ["rooms"] if r["main"])["name"] == "Main room"
    for client in [org, *people]:
        client.close()


def test_one_step_edcamp_refuses_bad_input_with_the_field(server: Server) -> None:
    today = datetime.now(UTC).date().isoformat()
    base = {"title": "E", "start_date": today, "organizer_name": "O"}
    cases = [
        ({**base, "breakout_rooms": 40}, 403, "max_rooms"),
        ({**base, "starts_at": "9am"}, 400, "starts_at"),
        ({**base, "starts_at": "22:00", "breakout_slots": 4, "slot_minutes": 60}, 400, "starts_at"),
        ({**base, "video_provider": "bbb"}, 400, "video_provider"),
        ({**base, "video_provider": "static"}, 400, "video_template"),
        ({**base, "timezone": "Mars/Olympus"}, 400, "timezone"),
        ({"title": "E", "organizer_name": "O"}, 400, "start_date"),
    ]
    with server.client() as anon:
        for body, status, field in cases:
            r = anon.post("/api/v1/edcamps", json=body)
            assert r.status_code == status, (body, r.text)
            assert r.json()["field"] == field, (body, r.json())
        # Nothing half-made stays behind after a refusal late in the setup.
        r = anon.post("/api/v1/edcamps", json={**base, "slug": "edc-bad-tz", "timezone": "Mars/Olympus"})
        assert anon.get("/api/v1/events/edc-bad-tz").status_code == 404


def test_one_setup_page_and_the_old_address_leads_to_it(server: Server) -> None:
    with server.client() as browser:
        old = browser.get("/new-edcamp", follow_redirects=False)
        assert old.status_code == 302 and old.headers["location"] == "/new"
        form = browser.get("/new-edcamp", follow_redirects=True)
        assert form.status_code == 200 and 'name="title"' in form.text and "<label" in form.text
        assert "Start an Edcamp" in form.text and 'value="UTC"' in form.text  # without JavaScript: UTC, today
        origin = {"origin": server.base_url}
        empty_day = {"title": "Edcamp Page", "start_date": "", "organizer_name": "Pia"}
        r = browser.post("/new", data=empty_day, headers=origin)
        assert r.status_code == 400 and 'aria-invalid="true"' in r.text
        today = datetime.now(UTC).date().isoformat()
        good = {"title": "Edcamp Page", "start_date": today, "organizer_name": "Pia"}
        r = browser.post("/new", data=good, headers={"origin": "https://evil.example"})
        assert r.status_code == 403
        # An old form posting to /new-edcamp is sent on, body and all, to /new.
        moved = browser.post("/new-edcamp", data=good, headers=origin, follow_redirects=False)
        assert moved.status_code == 308 and moved.headers["location"] == "/new"
        r = browser.post("/new", data=good, headers=origin)
        assert r.status_code == 201 and "is ready" in r.text and "Main room" in r.text
        assert any(c.startswith("unconf_t_") for c in r.cookies)


def test_new_edcamp_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'edcamp.sqlite'}"
    env = {"UNCONF_DATABASE_URL": db, "UNCONF_BASE_URL": "https://edcamp.example.org"}
    r = run_cli("new-edcamp", "Edcamp CLI", "--organizer", "Cam", "--rooms", "6", "--date", "2026-12-05", env=env)
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    assert "organizer key:" in out and "https://edcamp.example.org/e/edcamp-cli/board" in out
    assert "Room 6" in out and "09:00 Opening" in out
    r = run_cli("new-edcamp", "Edcamp CLI", "--rooms", "0", env=env)
    assert r.returncode == 2 and b"breakout_rooms" in r.stderr
    r = run_cli("new-edcamp", "Edcamp CLI", "--rooms", "45", env=env)
    assert r.returncode == 2 and b"max_rooms" in r.stderr
    assert os.path.exists(tmp_path / "edcamp.sqlite")
