"""After an unwanted crowd got in: organizers remove people in bulk and rotate the join code.

Removing ends the person's token at once and takes back their dots and facilitations; a new join code
makes the old one useless at once, and the board shows the new one.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import EventHandle, Server, make_event


def proposal(ev: EventHandle, pid: int) -> dict[str, Any]:
    r = ev.organizer.get(ev.url(f"/proposals/{pid}"))
    assert r.status_code == 200, r.text
    return r.json()


def people(ev: EventHandle) -> list[int]:
    r = ev.organizer.get(ev.url("/participants"))
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()]


def assert_error(r: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"error", "detail", "field"} and body["field"] == field, body
    return body


def test_organizers_remove_people_in_bulk_and_their_dots_and_facilitations_go(server: Server) -> None:
    ev = make_event(server, settings={"dots_per_participant": 3, "allow_stacking": True})
    ev.phase("proposals")
    keep, keeper = ev.join("Kim Keeps")
    bots = [ev.join(f"Bot {i}") for i in range(3)]
    kept = keep.post(ev.url("/proposals"), json={"title": "Maker spaces"}).json()
    spam = bots[0][0].post(ev.url("/proposals"), json={"title": "Buy followers"}).json()
    assert [f["id"] for f in spam["facilitators"]] == [bots[0][1]["id"]]
    ev.phase("voting")
    for client, _ in bots:
        assert client.post(ev.url("/votes"), json={"proposal_id": kept["id"], "dots": 3}).status_code == 201
    assert keep.post(ev.url("/votes"), json={"proposal_id": kept["id"], "dots": 2}).status_code == 201
    assert proposal(ev, kept["id"])["votes"] == 11

    bot_ids = [me["id"] for _, me in bots]
    r = ev.organizer.post(ev.url("/participants/remove"), json={"participant_ids": bot_ids})
    assert r.status_code == 200, r.text
    assert r.json() == {"removed": sorted(bot_ids)}

    assert keeper["id"] in people(ev) and not set(bot_ids) & set(people(ev))
    for client, _ in bots:
        # Their token ends at once: the next call is not theirs any more.
        assert client.get(ev.url("/me")).status_code == 401
        assert client.post(ev.url("/votes"), json={"proposal_id": kept["id"]}).status_code == 401
    assert proposal(ev, kept["id"])["votes"] == 2, "their dots are taken back"
    left = proposal(ev, spam["id"])
    assert left["facilitators"] == [], "their facilitations are taken back"
    assert keep.get(ev.url("/me")).status_code == 200


def test_bulk_removal_is_all_or_nothing_and_for_organizers_only(server: Server) -> None:
    ev = make_event(server)
    other = make_event(server)
    ev.phase("proposals")
    other.phase("proposals")
    a, me_a = ev.join("A")
    _, me_b = ev.join("B")
    _, stranger = other.join("Elsewhere")
    organizer_id = ev.organizer.get(ev.url("/me")).json()["participant"]["id"]
    before = people(ev)

    remove = ev.url("/participants/remove")
    # Someone from another event (or nobody) in the list: nobody is removed.
    body = assert_error(
        ev.organizer.post(remove, json={"participant_ids": [me_b["id"], stranger["id"]]}), 404, "participant_ids"
    )
    assert body["error"] == "not_found"
    assert_error(
        ev.organizer.post(remove, json={"participant_ids": [me_a["id"], organizer_id]}), 409, "participant_ids"
    )
    assert_error(ev.organizer.post(remove, json={"participant_ids": []}), 400, "participant_ids")
    assert_error(ev.organizer.post(remove, json={"participant_ids": [0]}), 400, "participant_ids[0]")
    assert people(ev) == before and other.organizer.get(other.url("/participants")).status_code == 200
    assert stranger["id"] in [p["id"] for p in other.organizer.get(other.url("/participants")).json()]

    # An attendee, an organizer of another event, or nobody may not remove anyone.
    assert_error(a.post(remove, json={"participant_ids": [me_b["id"]]}), 403, "authorization")
    assert other.organizer.post(remove, json={"participant_ids": [me_b["id"]]}).status_code == 403
    with server.client() as anon:
        assert anon.post(remove, json={"participant_ids": [me_b["id"]]}).status_code == 401
    assert people(ev) == before


def test_a_rotated_join_code_stops_the_old_one_at_once(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    attendee, _ = ev.join("Early")
    old = ev.join_code

    qr_before = attendee.get(f"/e/{ev.slug}/qr/join")
    assert qr_before.status_code == 200, qr_before.text
    assert_error(attendee.post(ev.url("/join-code")), 403, "authorization")
    with server.client() as anon:
        assert anon.post(ev.url("/join-code")).status_code == 401
    r = ev.organizer.post(ev.url("/join-code"))
    assert r.status_code == 200, r.text
    new = r.json()["join_code"]
    assert new and new != old
    assert ev.organizer.get(ev.url()).json()["join_code"] == new

    with server.client() as anon:
        before = people(ev)
        refused = anon.post(ev.url("/join"), json={"display_name": "Late bot", "join_code": old})
        body = assert_error(refused, 403, "join_code")
        assert body["error"] == "bad_join_code"
        assert people(ev) == before, "nothing written"
        page = anon.post(
            f"/e/{ev.slug}/join", data={"display_name": "Late bot", "code": old}, headers={"Origin": server.base_url}
        )
        assert page.status_code == 403 and people(ev) == before
        board = anon.get(f"/e/{ev.slug}/board/state")
        assert new in board.text and old not in board.text
        joined = anon.post(ev.url("/join"), json={"display_name": "On time", "join_code": new})
        assert joined.status_code == 201, joined.text
    # The join QR is drawn from the new code: a browser revalidating its copy gets the new one.
    qr_after = attendee.get(f"/e/{ev.slug}/qr/join", headers={"If-None-Match": qr_before.headers["etag"]})
    assert qr_after.status_code == 200 and qr_after.content != qr_before.content
    # People already in keep their place.
    assert attendee.get(ev.url("/me")).status_code == 200
