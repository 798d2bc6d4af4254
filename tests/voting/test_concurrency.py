"""Votes under concurrency: never more dots than allowed, the tally always equal to the stored votes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.helpers import Server, make_event


def test_concurrent_votes_never_overspend(server: Server) -> None:
    ev = make_event(server, settings={"dots_per_participant": 3, "allow_stacking": True})
    ev.phase("proposals")
    author, _ = ev.join("Author")
    ids = [author.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).json()["id"] for i in range(6)]
    ev.phase("voting")
    # 200 people at once, each tapping four proposals (1 or 2 dots) against a budget of 3.
    with ThreadPoolExecutor(max_workers=32) as pool:
        voters = list(pool.map(lambda i: ev.join(f"Voter {i}")[0], range(200)))

    def storm(args: tuple[int, int]) -> int:
        who, pid = args
        return voters[who].post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1 + (pid % 2)}).status_code

    jobs = [(who, pid) for pid in ids[:4] for who in range(len(voters))]
    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(storm, jobs))
    assert set(statuses) <= {201, 409}, statuses
    assert statuses.count(201) > 0 and statuses.count(409) > 0

    stored_total = 0
    for client in voters:
        mine = client.get(ev.url("/votes/me")).json()
        spent = sum(v["dots"] for v in mine["votes"])
        assert spent <= 3, mine
        assert mine["dots_left"] == 3 - spent
        stored_total += spent
    tallies = ev.organizer.get(ev.url("/proposals")).json()
    assert sum(p["votes"] for p in tallies) == stored_total
    for client in voters:
        client.close()


def test_one_voter_racing_for_the_last_dot(server: Server) -> None:
    ev = make_event(server, settings={"dots_per_participant": 1})
    ev.phase("proposals")
    author, _ = ev.join("Author")
    ids = [author.post(ev.url("/proposals"), json={"title": f"T{i}"}).json()["id"] for i in range(10)]
    ev.phase("voting")
    voter, _ = ev.join("Fast thumbs")
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda pid: voter.post(ev.url("/votes"), json={"proposal_id": pid}).status_code, ids))
    assert statuses.count(201) == 1 and statuses.count(409) == 9
    assert sum(p["votes"] for p in ev.organizer.get(ev.url("/proposals")).json()) == 1
