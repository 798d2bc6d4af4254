"""Naming someone else as a facilitator asks them first: they accept or decline, nobody is added silently."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import EventHandle, Server, make_event


def person(server: Server, ev: EventHandle, name: str) -> tuple[httpx.Client, dict[str, Any], httpx.Client]:
    """Someone joined through the API: their API client, their participant, and a browser with their token."""
    api, me = ev.join(name)
    phone = httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=60)
    phone.cookies.set(f"unconf_t_{ev.slug}", api.headers["Authorization"].removeprefix("Bearer "))
    return api, me, phone


def facilitators(ev: EventHandle, proposal_id: int) -> list[str]:
    return [f["display_name"] for f in ev.organizer.get(ev.url(f"/proposals/{proposal_id}")).json()["facilitators"]]


def invitations(client: httpx.Client, ev: EventHandle) -> list[dict[str, Any]]:
    r = client.get(ev.url("/proposals/invitations"))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_named_facilitators_are_asked_and_only_facilitate_once_they_accept(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    ann, ann_me, _ = person(server, ev, "Ann")
    ben, ben_me, ben_phone = person(server, ev, "Ben")
    cat, cat_me, cat_phone = person(server, ev, "Cat")

    r = ann.post(ev.url("/proposals"), json={"title": "Robots", "facilitator_ids": [ann_me["id"], ben_me["id"]]})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert [f["display_name"] for f in r.json()["facilitators"]] == ["Ann"]
    assert invitations(ben, ev) == [
        {
            "proposal_id": pid,
            "title": "Robots",
            "status": "pending",
            "invited_by": {"id": ann_me["id"], "display_name": "Ann"},
        }
    ]
    assert invitations(cat, ev) == []
    # Ben does not facilitate yet: he may not edit it.
    r = ben.patch(ev.url(f"/proposals/{pid}"), json={"title": "Ben's now"})
    assert r.status_code == 403 and r.json()["error"] == "not_facilitator", r.text

    # Nobody answers for someone else, and nobody answers without being asked.
    for who in (cat, ann):
        r = who.post(ev.url(f"/proposals/{pid}/invitation/accept"))
        assert r.status_code == 404 and r.json()["field"] == "proposal_id", r.text
    with server.client() as anon:
        r = anon.post(ev.url(f"/proposals/{pid}/invitation/accept"))
        assert r.status_code == 401 and set(r.json()) >= {"error", "detail", "field"}, r.text
    assert facilitators(ev, pid) == ["Ann"]

    # Ben sees it on his proposals page, and accepts: he facilitates as if named from the start.
    page = ben_phone.get(f"/e/{ev.slug}/proposals", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Asked to facilitate" in page.text
    assert f"/proposals/{pid}/invitation/accept" in page.text
    r = ben.post(ev.url(f"/proposals/{pid}/invitation/accept"))
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    assert facilitators(ev, pid) == ["Ann", "Ben"]
    assert ben.patch(ev.url(f"/proposals/{pid}"), json={"description": "With Ben"}).status_code == 200
    assert invitations(ben, ev) == []
    assert ben.post(ev.url(f"/proposals/{pid}/invitation/accept")).status_code == 404
    assert "Asked to facilitate" not in ben_phone.get(f"/e/{ev.slug}/proposals").text

    # An edit naming Cat asks Cat; those who facilitate already stay. Cat declines on her page.
    r = ann.patch(ev.url(f"/proposals/{pid}"), json={"facilitator_ids": [ann_me["id"], ben_me["id"], cat_me["id"]]})
    assert r.status_code == 200, r.text
    assert facilitators(ev, pid) == ["Ann", "Ben"]
    assert [i["proposal_id"] for i in invitations(cat, ev)] == [pid]
    r = cat_phone.post(f"/e/{ev.slug}/proposals/{pid}/invitation/decline", follow_redirects=False)
    assert r.status_code == 303, r.text
    assert invitations(cat, ev) == [] and facilitators(ev, pid) == ["Ann", "Ben"]

    # Named again, she is asked again; dropped from the list, the open invitation goes with it.
    ann.patch(ev.url(f"/proposals/{pid}"), json={"facilitator_ids": [ann_me["id"], cat_me["id"]]})
    assert facilitators(ev, pid) == ["Ann"] and [i["proposal_id"] for i in invitations(cat, ev)] == [pid]
    ann.patch(ev.url(f"/proposals/{pid}"), json={"facilitator_ids": [ann_me["id"]]})
    assert invitations(cat, ev) == []
    assert cat.post(ev.url(f"/proposals/{pid}/invitation/accept")).status_code == 404
    assert facilitators(ev, pid) == ["Ann"]


def test_an_organizer_proposing_for_someone_asks_them_too(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    ben, ben_me, _ = person(server, ev, "Ben")
    r = ev.organizer.post(ev.url("/proposals"), json={"title": "For Ben", "facilitator_ids": [ben_me["id"]]})
    assert r.status_code == 201 and r.json()["facilitators"] == [], r.text
    pid = r.json()["id"]
    assert [i["invited_by"]["display_name"] for i in invitations(ben, ev)] == ["Olga Organizer"]
    r = ben.post(ev.url(f"/proposals/{pid}/invitation/accept"))
    assert r.status_code == 200, r.text
    assert facilitators(ev, pid) == ["Ben"]
    # A withdrawn proposal's invitation can no longer be accepted.
    r = ev.organizer.post(ev.url("/proposals"), json={"title": "Gone", "facilitator_ids": [ben_me["id"]]})
    gone = r.json()["id"]
    assert ev.organizer.post(ev.url(f"/proposals/{gone}/withdraw")).status_code == 200
    assert invitations(ben, ev) == []
    r = ben.post(ev.url(f"/proposals/{gone}/invitation/accept"))
    assert r.status_code == 409 and r.json()["field"] == "status", r.text
    assert facilitators(ev, gone) == []
