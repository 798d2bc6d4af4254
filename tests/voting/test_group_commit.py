"""Group commit: votes that arrive together share one transaction and every rule still holds per vote.

The scenario runs in a process of its own against a real database file (and a fresh PostgreSQL
database), through the voting service: 40 people's votes are sent at once, so they queue behind the
first transaction and are committed in batches. The test then compares every answer and the stored
votes with what one-at-a-time voting would give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fresh_postgres_database, run_scenario

SCENARIO = r"""
import asyncio, json, sys
from datetime import date

async def main():
    from events.schemas import EventCreate, EventSettings, JoinRequest, PhaseChange
    from events.services import change_phase, create_event, join_event
    from events.tables import Participant
    from sessions.schemas import ProposalCreate
    from sessions.services import create_proposal
    from unconf import i18n
    from unconf.app import wire
    from unconf.database import close_connection_pool, start_connection_pool
    from unconf.errors import DomainError
    from unconf.migrations import migrate
    from unconf.tokens import hash_token
    from voting.commits import vote_commits
    from voting.schemas import VoteCast
    from voting.services import cast_vote, step_dots, tallies

    wire()
    await migrate(quiet=True)
    await start_connection_pool()
    rules = EventSettings(dots_per_participant=3, allow_stacking=False)
    created = EventCreate(title="Batch", start_date=date(2099, 6, 6), organizer_name="B", settings=rules)
    event, organizer, _ = await create_event(created)
    elsewhere = EventCreate(title="Other", start_date=date(2099, 6, 6), organizer_name="O")
    other, other_organizer, _ = await create_event(elsewhere)
    event = await change_phase(event, PhaseChange(phase="proposals"))
    other = await change_phase(other, PhaseChange(phase="proposals"))
    ids = [(await create_proposal(event, organizer, ProposalCreate(title=f"T{i}"))).id for i in range(5)]
    foreign = (await create_proposal(other, other_organizer, ProposalCreate(title="Elsewhere"))).id
    people = []
    for i in range(40):
        joined = await join_event(event, JoinRequest(display_name=f"P{i}", join_code=event.join_code))
        people.append(await Participant.objects().where(Participant.token_hash == hash_token(joined.token)).first())
    event = await change_phase(event, PhaseChange(phase="voting"))

    async def vote(n, person, proposal, dots=1, step=None):
        lang = "es" if n % 2 else "en"
        with i18n.use_locale(lang):
            try:
                if step is None:
                    out = await cast_vote(event, person, VoteCast(proposal_id=proposal, dots=dots))
                    return {"n": n, "ok": True, "dots": out.dots, "left": out.dots_left}
                out = await step_dots(event, person, proposal, step)
                return {"n": n, "ok": True, "before": out.before, "dots": out.vote.dots, "left": out.vote.dots_left}
            except DomainError as error:
                refused = {"code": error.code, "field": error.field, "detail": error.detail}
                return {"n": n, "ok": False, "lang": lang, **refused}

    jobs = []
    for i, person in enumerate(people):
        for proposal in ids[:3]:
            jobs.append((person, proposal, 1, None))   # three dots: the whole budget
    for person in people[:10]:
        jobs.append((person, ids[3], 1, None))          # a fourth: refused, dots exhausted
    jobs.append((people[10], ids[4], 2, None))          # two dots without stacking: refused
    jobs.append((people[11], foreign, 1, None))         # another event's proposal: not found
    jobs.append((people[12], ids[0], 0, None))          # takes one back ...
    jobs.append((people[12], ids[4], 0, "+"))           # ... so this +1 fits, in the same batch
    results = await asyncio.gather(*(
        vote(n, person, proposal, dots, None if step is None else 1)
        for n, (person, proposal, dots, step) in enumerate(jobs)
    ))
    stored = await tallies(event.id)
    with i18n.use_locale("es"):
        es_exhausted = i18n.ngettext(
            "not enough dots: you have {left} of {budget} left, so at most {left_here} on this proposal",
            "not enough dots: you have {left} of {budget} left, so at most {left_here} on this proposal",
            0,
        )
    print(json.dumps({
        "results": results,
        "stored": {str(k): v for k, v in stored.items()},
        "ids": ids,
        "batches": vote_commits.batches,
        "largest": vote_commits.largest,
        "es_exhausted": es_exhausted,
    }))
    await close_connection_pool()

asyncio.run(main())
"""


@pytest.mark.parametrize("stack", ["sqlite", "postgres"])
def test_votes_sent_together_are_committed_together_and_each_rule_holds(tmp_path: Path, stack: str) -> None:
    url = f"sqlite:///{tmp_path / 'votes.sqlite'}" if stack == "sqlite" else fresh_postgres_database()
    run = run_scenario(SCENARIO, url)
    results, ids = run["results"], run["ids"]
    jobs = len(results)
    # They did share transactions: far fewer commits than votes.
    assert run["largest"] > 1 and run["batches"] < jobs / 2, (run["batches"], run["largest"], jobs)

    by_n = {r["n"]: r for r in results}
    three_each = 40 * 3
    assert all(by_n[n]["ok"] for n in range(three_each)), [by_n[n] for n in range(three_each) if not by_n[n]["ok"]]
    exhausted = [by_n[n] for n in range(three_each, three_each + 10)]
    assert {(r["code"], r["field"]) for r in exhausted} == {("dots_exhausted", "dots")}
    # Each refusal speaks its own voter's language, whatever language the batch was written in.
    for refusal in exhausted:
        if refusal["lang"] == "en":
            assert refusal["detail"].startswith("not enough dots: you have 0 of 3 left")
        else:
            assert not refusal["detail"].startswith("not enough dots"), refusal
            assert refusal["detail"] == run["es_exhausted"].format(left=0, budget=3, left_here=0)
    stacking, foreign, take_back, step = (by_n[three_each + 10 + k] for k in range(4))
    assert (stacking["ok"], stacking["code"], stacking["field"]) == (False, "validation_failed", "dots")
    assert (foreign["ok"], foreign["code"], foreign["field"]) == (False, "not_found", "proposal_id")
    assert take_back["ok"] and take_back["dots"] == 0 and take_back["left"] == 1
    assert step["ok"] and (step["before"], step["dots"], step["left"]) == (0, 1, 0)

    # The stored tallies are exactly what the acknowledged votes add up to.
    expected = {ids[0]: 39, ids[1]: 40, ids[2]: 40, ids[4]: 1}
    stored = {int(k): v for k, v in run["stored"].items()}
    assert stored == {pid: [n, n] for pid, n in expected.items()}
