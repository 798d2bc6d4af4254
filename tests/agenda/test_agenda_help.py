"""A learner's proposal gets facilitator suggestions from its voters, and every session asks for a note-taker."""

from __future__ import annotations

from tests.helpers import Server, make_event, setup_rooms_and_slots


def test_learners_proposal_gets_a_facilitator_suggestion_and_note_takers_are_asked_for(server: Server) -> None:
    ev = make_event(server)
    setup_rooms_and_slots(ev, [20, 20], breakouts=1)  # one slot: both sessions run at once
    ev.phase("proposals")
    lea, _ = ev.join("Lea Learner")
    tom, tom_me = ev.join("Tom Podcaster")
    r = lea.post(ev.url("/proposals"), json={"title": "How do I start with AI?", "learning": True})
    assert r.status_code == 201 and r.json()["learning"] is True, r.text
    ai = r.json()["id"]
    podcasts = tom.post(ev.url("/proposals"), json={"title": "Podcasts"}).json()["id"]
    assert ev.organizer.get(ev.url(f"/proposals/{podcasts}")).json()["learning"] is False
    ev.phase("voting")
    helpers = {}
    for name in ("Ann", "Ben", "Cid"):
        client, me = ev.join(name)
        helpers[name] = (client, me)
        assert client.post(ev.url("/votes"), json={"proposal_id": ai}).status_code == 201
    assert tom.post(ev.url("/votes"), json={"proposal_id": ai}).status_code == 201
    for who, role in (("Ann", "facilitate"), ("Ben", "facilitate"), ("Cid", "notes")):
        r = helpers[who][0].put(ev.url(f"/proposals/{ai}/volunteer"), json={"role": role})
        assert r.status_code == 200 and r.json()[role] is True, r.text
    # Tom offers too, but he runs Podcasts in the same slot: never double-booked.
    assert tom.put(ev.url(f"/proposals/{ai}/volunteer"), json={"role": "facilitate"}).status_code == 200
    # Offering twice changes nothing; withdrawing works; nonsense is refused with its field.
    again = helpers["Ann"][0].put(ev.url(f"/proposals/{ai}/volunteer"), json={"role": "facilitate"})
    assert again.json() == {"proposal_id": ai, "facilitate": True, "notes": False}
    r = helpers["Ben"][0].put(ev.url(f"/proposals/{ai}/volunteer"), json={"role": "notes", "volunteering": False})
    assert r.json() == {"proposal_id": ai, "facilitate": True, "notes": False}
    r = helpers["Ben"][0].put(ev.url(f"/proposals/{ai}/volunteer"), json={"role": "lead"})
    assert r.status_code == 400 and r.json()["field"] == "role", r.text

    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 0.5}).status_code == 201
    r = ev.organizer.get(ev.url("/agenda/help"))
    assert r.status_code == 200, r.text
    by_id = {s["proposal_id"]: s for s in r.json()}
    learner = by_id[ai]
    assert learner["learning"] is True
    assert [h["display_name"] for h in learner["suggested_facilitators"]] == ["Ann", "Ben"]
    assert tom_me["id"] not in [h["id"] for h in learner["suggested_facilitators"]]
    assert [h["display_name"] for h in learner["note_takers"]] == ["Cid"] and not learner["needs_note_taker"]
    other = by_id[podcasts]
    assert other["suggested_facilitators"] == [] and other["needs_note_taker"] is True
    # attendees cannot see who offered
    assert helpers["Ann"][0].get(ev.url("/agenda/help")).status_code == 403

    # Once Lea finds a facilitator herself the suggestions stop.
    r = lea.patch(ev.url(f"/proposals/{ai}"), json={"learning": False})
    assert r.status_code == 200 and r.json()["learning"] is False, r.text
    assert {s["proposal_id"]: s for s in ev.organizer.get(ev.url("/agenda/help")).json()}[ai][
        "suggested_facilitators"
    ] == []
