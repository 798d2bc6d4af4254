"""Peers by shared interest and the privacy rules around them, against a real server."""

from __future__ import annotations

from tests.community.world import call_service, community_event, peers_of, person, propose, vote
from tests.helpers import Server

SHOWN = {"suggest_as_peer": True}


def test_peers_are_people_who_allow_it_best_first_never_blocked(server: Server) -> None:
    ev, _ = community_event(server)
    ev.phase("proposals")
    ana, ana_id = person(ev, "Ana", {"looking_for": ["makerspaces"], "can_help": ["python"], **SHOWN})
    ben, ben_id = person(ev, "Ben", {"display_name": "Ben B.", **SHOWN})
    cai, cai_id = person(ev, "Cai", {"suggest_as_peer": False})  # shares everything, never asked to be shown
    dee, dee_id = person(ev, "Dee", SHOWN)  # Ana blocks Dee
    eli, eli_id = person(ev, "Eli", SHOWN)  # Eli blocks Ana
    _, fay_id = person(ev, "Fay", {"can_help": ["makerspaces"], **SHOWN})  # no votes, helps with what Ana looks for
    gus, gus_id = person(ev, "Gus", SHOWN)  # nothing in common
    _, nobody_id = person(ev, "Nobody")  # no profile at all
    thinking = propose(ana, ev, "Thinking Classrooms")
    maker = propose(ben, ev, "Makerspaces on a budget")
    other = propose(gus, ev, "Chess club")
    ev.phase("voting")
    vote(ana, ev, thinking, maker)
    vote(ben, ev, thinking, maker)
    for client in (cai, dee, eli):
        vote(client, ev, thinking, maker)
    vote(gus, ev, other)

    assert ana.post(ev.url("/blocks"), json={"participant_id": dee_id}).status_code == 201
    assert eli.post(ev.url("/blocks"), json={"participant_id": ana_id}).status_code == 201

    peers = peers_of(ana, ev)
    ids = [p["participant_id"] for p in peers]
    assert ids[0] == ben_id, peers
    assert set(ids) == {ben_id, fay_id}, "only those who allow it, share something, and are not blocked"
    for hidden in (cai_id, dee_id, eli_id, gus_id, nobody_id):
        assert hidden not in ids
    ben_entry = peers[0]
    assert ben_entry["display_name"] == "Ben B."
    assert ben_entry["shared_proposals"] == ["Thinking Classrooms", "Makerspaces on a budget"]
    assert ben_entry["reason"].startswith("You both voted for Thinking Classrooms and Makerspaces on a budget")
    assert ben_entry["note_url"] == f"/e/{ev.slug}/people/{ben_id}/note"
    fay_entry = peers[1]
    assert fay_entry["they_can_help"] == ["makerspaces"] and fay_entry["reason"] == "They can help with makerspaces"
    assert "email" not in str(peers).lower()

    # Blocks hold both ways: Dee and Eli never see Ana either.
    assert ana_id not in [p["participant_id"] for p in peers_of(dee, ev)]
    assert ana_id not in [p["participant_id"] for p in peers_of(eli, ev)]
    # Someone who hides (turns suggestions off) drops out at once.
    assert ben.put(ev.url("/me/profile"), json={"display_name": "Ben B.", "suggest_as_peer": False}).status_code == 200
    assert ben_id not in [p["participant_id"] for p in peers_of(ana, ev)]
    # Unblocking brings Dee back.
    assert ana.delete(ev.url(f"/blocks/{dee_id}")).status_code == 204
    assert dee_id in [p["participant_id"] for p in peers_of(ana, ev)]

    # The services the notes and chat use answer the same.
    answer = call_service(
        server,
        f"from community.services import is_blocked, blocked_ids\n"
        f"result = [await is_blocked({ana_id}, {eli_id}), await is_blocked({eli_id}, {ana_id}),"
        f" await is_blocked({ana_id}, {dee_id}), sorted(await blocked_ids({ana_id}))]",
    )
    assert answer == [True, True, False, [eli_id]]


def test_blocks_refuse_bad_input(server: Server) -> None:
    ev, _ = community_event(server)
    ev.phase("proposals")
    ana, ana_id = person(ev, "Ana")
    _, ben_id = person(ev, "Ben")
    r = ana.post(ev.url("/blocks"), json={"participant_id": ana_id})
    assert r.status_code == 400 and r.json()["field"] == "participant_id"
    r = ana.post(ev.url("/blocks"), json={"participant_id": 999999})
    assert r.status_code == 404 and r.json()["field"] == "participant_id"
    r = ana.post(ev.url("/blocks"), json={"participant": ben_id})
    assert r.status_code == 400
    assert ana.delete(ev.url(f"/blocks/{ben_id}")).status_code == 404
    assert ana.post(ev.url("/blocks"), json={"participant_id": ben_id}).status_code == 201
    assert ana.post(ev.url("/blocks"), json={"participant_id": ben_id}).status_code == 201  # once is enough
    assert ana.get(ev.url("/blocks")).json() == [{"participant_id": ben_id, "display_name": "Ben"}]
    with server.client() as anon:
        assert anon.get(ev.url("/peers")).status_code == 401


def test_profile_fields_are_checked_before_anything_is_saved(server: Server) -> None:
    ev, _ = community_event(server)
    ev.phase("proposals")
    ana, _ = person(ev, "Ana", {"city": "Riverside", "bio": "Maths teacher"})
    r = ana.put(ev.url("/me/profile"), json={"city": "Elsewhere", "can_help": ["ok", "bad\u0000tag"]})
    assert r.status_code == 400 and r.json()["field"] == "can_help", r.text
    r = ana.put(ev.url("/me/profile"), json={"visibility": "everyone"})
    assert r.status_code == 400 and r.json()["field"] == "visibility", r.text
    r = ana.put(ev.url("/me/profile"), json={"bio": "x" * 501})
    assert r.status_code == 400 and r.json()["field"] == "bio", r.text
    assert ana.get(ev.url("/me/profile")).json()["city"] == "Riverside"


def test_a_profile_is_shown_only_as_its_owner_chose(server: Server) -> None:
    ev, _ = community_event(server)
    ev.phase("proposals")
    ana, ana_id = person(ev, "Ana", {"city": "Riverside", "visibility": "attendees"})
    ben, ben_id = person(ev, "Ben", {"city": "Hilltown"})  # members only, and neither is a member
    _, nobody_id = person(ev, "Nobody")
    r = ben.get(ev.url(f"/people/{ana_id}/profile"))
    assert r.status_code == 200 and r.json()["city"] == "Riverside" and "email" not in r.json()
    for hidden in (ben_id, nobody_id):
        r = ana.get(ev.url(f"/people/{hidden}/profile"))
        assert r.status_code == 404 and r.json()["field"] == "participant_id"
    assert ana.post(ev.url("/blocks"), json={"participant_id": ben_id}).status_code == 201
    assert ben.get(ev.url(f"/people/{ana_id}/profile")).status_code == 404, "blocked: not even a profile"


def test_erasure_keeps_tallies_and_forgets_the_person(server: Server) -> None:
    ev, _ = community_event(server)
    ev.phase("proposals")
    ana, _ = person(ev, "Ana", SHOWN)
    ben, ben_id = person(ev, "Ben", {"display_name": "Ben the Builder", "city": "Riverside", **SHOWN})
    topic = propose(ben, ev, "Robots in Year 3")
    ev.phase("voting")
    vote(ana, ev, topic)
    vote(ben, ev, topic)
    before = ev.organizer.get(ev.url(f"/proposals/{topic}")).json()
    assert (before["votes"], before["voters"]) == (2, 2)
    assert ben_id in [p["participant_id"] for p in peers_of(ana, ev)]

    mine = ben.get(ev.url("/me/data"))
    assert mine.status_code == 200 and "attachment" in mine.headers["content-disposition"]
    held = mine.json()
    assert held["events"]["participants"][0]["display_name"] == "Ben"
    assert held["voting"]["votes"][0]["title"] == "Robots in Year 3"
    assert held["sessions"]["proposals"][0]["title"] == "Robots in Year 3"
    assert held["community"]["profiles"][0]["city"] == "Riverside"

    refused = ben.post(ev.url("/me/erase"), json={})
    assert refused.status_code == 400 and refused.json()["field"] == "confirm"
    assert ev.organizer.post(ev.url("/me/erase"), json={"confirm": "erase"}).status_code == 403
    erased = ben.post(ev.url("/me/erase"), json={"confirm": "erase"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["participant_ids"] == [ben_id]

    after = ev.organizer.get(ev.url(f"/proposals/{topic}")).json()
    assert (after["votes"], after["voters"]) == (2, 2), "the tally, and so the agenda, stays"
    assert ben.get(ev.url("/me")).status_code == 401, "their token no longer works"
    names = [p["display_name"] for p in ev.organizer.get(ev.url("/participants")).json()]
    assert "Ben" not in names and "Former participant" in names
    assert ben_id not in [p["participant_id"] for p in peers_of(ana, ev)]
    assert "Ben the Builder" not in str(ev.organizer.get(ev.url("/participants")).json())
