"""Live tallies are coalesced, never wrong: the last vote.cast of a burst carries the stored tally."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from websockets.sync.client import connect

from tests.helpers import Server, make_event


def test_a_burst_of_votes_ends_with_the_stored_tally_in_no_more_messages_than_votes(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    pid = ev.organizer.post(ev.url("/proposals"), json={"title": "Robots"}).json()["id"]
    voters = [ev.join(f"P{i}")[0] for i in range(12)]
    ev.phase("voting")
    ws_url = server.base_url.replace("http://", "ws://") + f"/api/v1/events/{ev.slug}/live"
    with connect(ws_url) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "hello"
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(
                pool.map(
                    lambda api: api.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1}).status_code, voters
                )
            )
        assert statuses == [201] * 12
        stored = {p["id"]: p["votes"] for p in ev.organizer.get(ev.url("/proposals")).json()}[pid]
        assert stored == 12
        tallies = []
        while not tallies or tallies[-1] != stored:
            message = json.loads(ws.recv(timeout=30))  # the timeout only bounds a broken run
            if message["type"] == "vote.cast":
                assert set(message["data"]) == {"proposal_id", "votes", "voters"}  # the shape boards apply
                assert message["data"]["proposal_id"] == pid
                tallies.append(message["data"]["votes"])
        assert tallies == sorted(tallies) and len(tallies) <= 12
        assert message["data"]["voters"] == 12


def test_once_votes_go_quiet_the_last_tallies_are_sent_again_read_after_every_commit(server: Server) -> None:
    """With several workers, one worker's message can arrive behind another's later one; the settling
    message, read once voting has been quiet, is what every board ends on."""
    ev = make_event(server)
    ev.phase("proposals")
    pid = ev.organizer.post(ev.url("/proposals"), json={"title": "Gardens"}).json()["id"]
    voter, _ = ev.join("Quiet voter")
    ev.phase("voting")
    ws_url = server.base_url.replace("http://", "ws://") + f"/api/v1/events/{ev.slug}/live"
    with connect(ws_url) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "hello"
        assert voter.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1}).status_code == 201
        tallies = []
        while len(tallies) < 2:
            message = json.loads(ws.recv(timeout=30))  # the timeout only bounds a broken run
            if message["type"] == "vote.cast":
                tallies.append((message["data"]["proposal_id"], message["data"]["votes"]))
        assert tallies == [(pid, 1), (pid, 1)]  # at once, then once more when it settled
