"""Topics that carry over: a closed event offers what did not make its agenda (and what was too crowded)
to the series' next one; the proposer's yes brings it there with "N people wanted this last time", and
the interest counts in the next agenda build only when the organizers turn it on."""

from __future__ import annotations

import httpx

from tests.community.world import call_service
from tests.helpers import Server
from tests.rhythm.world import build_publish_close, community_with_day, plan_next, propose, set_series, vote


def offers_of(client: httpx.Client, slug: str) -> dict[str, dict[str, object]]:
    r = client.get(f"/api/v1/events/{slug}/carry-offers")
    assert r.status_code == 200, r.text
    return {str(o["title"]): o for o in r.json()}


def carried_voters(server: Server, slug: str) -> dict[str, int]:
    """How many voters the optimizer sees for each proposal of the event (carried interest included)."""
    code = f"""
from agenda.services import build_problem
from events.services import get_event
from sessions.tables import Proposal
event = await get_event({slug!r})
problem = await build_problem(event, for_solving=True)
rows = await Proposal.select(Proposal.id, Proposal.title).where(Proposal.event == event.id)
titles = {{r["id"]: r["title"] for r in rows}}
result = {{titles[p.id]: len(p.voters) for p in problem.proposals}}
"""
    found: dict[str, int] = call_service(server, code)
    return found


def test_an_unscheduled_topic_carries_over_with_its_interest(server: Server) -> None:
    # One breakout room of two seats and one breakout slot: one topic runs, the others wait.
    ev, community = community_with_day(server, "Edcamp Carry", capacity=2)
    rooms = ev.organizer.get(ev.url("/rooms")).json()
    assert ev.organizer.delete(ev.url(f"/rooms/{rooms[1]['id']}")).status_code == 204
    slots = ev.organizer.get(ev.url("/slots")).json()
    assert ev.organizer.delete(ev.url(f"/slots/{slots[-1]['id']}")).status_code == 204
    ev.phase("proposals")
    alice, _ = ev.join("Alice")
    bob, _ = ev.join("Bob")
    carol, _ = ev.join("Carol")
    dave, _ = ev.join("Dave")
    popular = propose(alice, ev, "Thinking classrooms")
    waiting = propose(bob, ev, "Grading for equity")
    quiet = propose(carol, ev, "Podcasts in class")
    ev.phase("voting")
    for person in (alice, bob, carol):
        vote(person, ev, popular)
    vote(alice, ev, waiting)
    vote(bob, ev, waiting)
    vote(dave, ev, quiet)
    build_publish_close(ev)

    # Closing made the offers: the crowded one (3 wanted 2 seats) and the two that did not run.
    assert offers_of(alice, ev.slug)["Thinking classrooms"]["reason"] == "crowded"
    bobs = offers_of(bob, ev.slug)
    assert list(bobs) == ["Grading for equity"]
    offer = bobs["Grading for equity"]
    assert (offer["reason"], offer["interest"], offer["answer"], offer["to_event"]) == (
        "unscheduled",
        2,
        "pending",
        None,
    )
    assert offers_of(dave, ev.slug) == {}
    everything = ev.organizer.get(ev.url("/carry-offers/all")).json()
    assert sorted(o["title"] for o in everything) == ["Grading for equity", "Podcasts in class", "Thinking classrooms"]

    # The proposer says yes before the next event exists: it waits for it.
    r = bob.post(ev.url(f"/carry-offers/{offer['id']}"), json={"answer": "yes"})
    assert r.status_code == 200, r.text
    assert (r.json()["answer"], r.json()["carried_proposal"]) == ("yes", None)
    # Only their own topics, only yes or no.
    assert carol.post(ev.url(f"/carry-offers/{offer['id']}"), json={"answer": "yes"}).status_code == 404
    assert bob.post(ev.url(f"/carry-offers/{offer['id']}"), json={"answer": "maybe"}).status_code == 400
    quiet_offer = offers_of(carol, ev.slug)["Podcasts in class"]
    assert carol.post(ev.url(f"/carry-offers/{quiet_offer['id']}"), json={"answer": "no"}).status_code == 200

    assert set_series(ev, community).status_code == 200
    r = plan_next(ev, community)
    assert r.status_code == 201, r.text
    planned = r.json()
    assert planned["carried_offers"] == 2  # the crowded one (pending) and Bob's; Carol said no
    nxt = planned["event"]["slug"]
    with server.client(planned["organizer_key"]) as organizer:
        proposals = organizer.get(f"/api/v1/events/{nxt}/proposals").json()
        assert [p["title"] for p in proposals] == ["Grading for equity"]
        # Alice says yes now: it comes at once.
        crowded = offers_of(alice, ev.slug)["Thinking classrooms"]
        assert crowded["to_event"] == nxt
        r = alice.post(ev.url(f"/carry-offers/{crowded['id']}"), json={"answer": "yes"})
        assert r.status_code == 200 and r.json()["carried_proposal"] is not None, r.text
        titles = sorted(p["title"] for p in organizer.get(f"/api/v1/events/{nxt}/proposals").json())
        assert titles == ["Grading for equity", "Thinking classrooms"]
        # Once carried, "no" cannot take it back (it is withdrawn in the next event instead).
        assert alice.post(ev.url(f"/carry-offers/{crowded['id']}"), json={"answer": "no"}).status_code == 409

        r = organizer.post(f"/api/v1/events/{nxt}/phase", json={"phase": "proposals"})
        assert r.status_code == 200, r.text
        page = organizer.get(f"/e/{nxt}/proposals", headers={"Cookie": f"unconf_t_{nxt}={planned['organizer_key']}"})
        assert page.status_code == 200
        assert "2 people wanted this last time" in page.text
        assert "3 people wanted this last time" in page.text

    # Bob's download says what he was asked and answered.
    mine = bob.get(ev.url("/me/data")).json()["rhythm"]["carried_topics"]
    assert [(c["topic"], c["answer"], c["interest"]) for c in mine] == [("Grading for equity", "yes", 2)]

    # Carried interest counts in the agenda build only once the organizers turn it on.
    assert carried_voters(server, nxt) == {"Grading for equity": 0, "Thinking classrooms": 0}
    assert set_series(ev, community, count_carried=True).status_code == 200
    assert carried_voters(server, nxt) == {"Grading for equity": 2, "Thinking classrooms": 3}
