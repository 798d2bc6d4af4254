"""Every build says how far from the best possible it is: bound, gap and the sentence, through the API."""

from __future__ import annotations

import itertools

from tests.helpers import EventHandle, Server, make_event


def crowded_pairs(server: Server) -> EventHandle:
    """Four proposals, every pair of them wanted by two people, two slots of two rooms.

    Any agenda puts two pairs together, so it cannot reach the trivial bound; the optimum is known.
    """
    ev = make_event(server)
    for name in ("A", "B"):
        r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {name}", "capacity": 40})
        assert r.status_code == 201, r.text
    for hour in (9, 10):
        r = ev.organizer.post(
            ev.url("/slots"), json={"starts_at": f"2026-11-21T{hour:02d}:00", "ends_at": f"2026-11-21T{hour:02d}:45"}
        )
        assert r.status_code == 201, r.text
    ev.phase("proposals")
    ids = []
    for i in range(4):
        client, _ = ev.join(f"Proposer {i}")
        r = client.post(ev.url("/proposals"), json={"title": f"Topic {i}", "description": "Let us talk."})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    ev.phase("voting")
    for n, (a, b) in enumerate(itertools.combinations(ids, 2)):
        for k in range(2):
            client, _ = ev.join(f"Voter {n}-{k}")
            for pid in (a, b):
                r = client.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})
                assert r.status_code == 201, r.text
    return ev


def test_build_reports_bound_and_gap_and_hand_edits_keep_the_bound(server: Server) -> None:
    ev = crowded_pairs(server)
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1.0})
    assert r.status_code == 201, r.text
    built = r.json()
    # 12 voters: 8 see both their sessions, 4 see one; 4 proposers see theirs: 24 places of interest
    assert built["score"] == 240 - 0  # rooms of 40 never overflow
    # The trivial bound (every person sees all they want) is 280; the spectral one proves 240 optimal.
    assert built["bound"] == 240 and built["gap_percent"] == 0.0
    assert built["quality"] == "the best possible (score 240, proven optimal)"

    draft = ev.organizer.get(ev.url("/agenda/draft")).json()
    assert (draft["bound"], draft["gap_percent"]) == (built["bound"], built["gap_percent"])

    # Taking a session off lowers the score, not the bound: the gap widens.
    first = draft["sessions"][0]["proposal_id"]
    r = ev.organizer.delete(ev.url(f"/agenda/draft/sessions/{first}"))
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["bound"] == built["bound"] and edited["score"] < built["score"]
    assert edited["gap_percent"] == round(100 * (240 - edited["score"]) / 240, 1) > 0
    assert (
        edited["quality"]
        == f"within {edited['gap_percent']:.1f}% of the best possible (score {edited['score']:,.0f}, bound 240)"
    )

    # The sentence is in the reader's language, its numbers in the locale's own way; the figures stay.
    spanish = ev.organizer.get(ev.url("/agenda/draft"), headers={"Accept-Language": "es"}).json()
    assert (spanish["score"], spanish["gap_percent"]) == (edited["score"], edited["gap_percent"])
    gap = f"{edited['gap_percent']:.1f}".replace(".", ",")
    score = f"{edited['score']:,.0f}".replace(",", ".")
    assert spanish["quality"] == f"a menos del {gap}\u00a0% de la mejor posible (puntuación {score}, cota 240)"
