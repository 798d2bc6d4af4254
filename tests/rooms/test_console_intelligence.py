"""The console's intelligence panel: its context, its partial and its one form, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
from test_rebalance import crowded_next_slot

from tests.conftest import Server
from web import web_templates


def panel(context: dict[str, Any], slug: str) -> str:
    """The partial as the console includes it, from the same data the API gives."""
    return web_templates().get_template("_console_intelligence.html").render(event={"slug": slug}, **context)


def test_panel_shows_quality_and_the_proposed_swap_and_applies_it_on_click(server: Server) -> None:
    sc = crowded_next_slot(server)
    try:
        ev = sc.ev
        topic = {p["title"]: p["id"] for p in sc.proposals}
        proposal = ev.organizer.get(ev.url("/agenda/rebalance")).json()
        agenda = ev.organizer.get(ev.url("/agenda")).json()
        html = panel(
            {
                "intelligence": {
                    "agenda": agenda,
                    "quality": agenda["quality"],
                    "gap_percent": agenda["gap_percent"],
                    "rebalance": proposal,
                }
            },
            ev.slug,
        )
        assert "of the best possible" in agenda["quality"] and agenda["quality"] in html
        assert "Swap rooms" in html and "Apply to the draft" in html
        moves = ";".join(f"{m['proposal_id']},{m['to_slot_id']},{m['to_room_id']}" for m in proposal["moves"])
        assert f'value="{moves}"' in html
        assert '<th scope="col">From</th>' in html

        with httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=60) as org:
            assert org.post(f"/e/{ev.slug}/organize/signin", data={"key": ev.organizer_key}).status_code == 303
            # a garbled form is explained, and nothing moves
            r = org.post(f"/e/{ev.slug}/organize/rebalance", data={"moves": "1,2"})
            assert r.status_code == 303 and r.headers["location"].endswith("#intelligence")
            assert ev.organizer.get(ev.url("/agenda/draft")).status_code == 404
            r = org.post(f"/e/{ev.slug}/organize/rebalance", data={"moves": moves})
            assert r.status_code == 303
        draft = {s["proposal_id"]: s["room_id"] for s in ev.organizer.get(ev.url("/agenda/draft")).json()["sessions"]}
        assert draft[topic["Topic 3"]] == sc.rooms[0]["id"]
        # an attendee cannot
        r = sc.people[0][0].post(f"/e/{ev.slug}/organize/rebalance", data={"moves": moves})
        assert r.status_code in (401, 403)
        # with nothing to build yet the panel says so, and it never fails without context
        assert "Build an agenda" in panel({"intelligence": {"agenda": None, "quality": "", "rebalance": None}}, "x")
        assert panel({}, "x").strip() == ""
    finally:
        sc.close()
