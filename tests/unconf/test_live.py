"""The catalogue of live messages: one wire format, one ``phase.changed`` whoever moves the phase."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from websockets.sync.client import connect

from notify.notices import notice_for
from tests.helpers import Server, make_event, setup_rooms_and_slots
from unconf import live


def test_a_message_encodes_as_type_event_at_data_and_decodes_back() -> None:
    message = live.VoteCast(
        event="ed", at="2026-11-21T09:00:00+00:00", data=live.TallyData(proposal_id=3, votes=2, voters=1)
    )
    raw = msgspec.json.encode(message)
    assert raw == (
        b'{"type":"vote.cast","event":"ed","at":"2026-11-21T09:00:00+00:00",'
        b'"data":{"proposal_id":3,"votes":2,"voters":1}}'
    )
    assert msgspec.json.decode(raw, type=live.AnyLiveMessage) == message


def test_the_refusal_frame_has_no_time_like_before() -> None:
    refused = live.NoSuchEvent(event="nope", data=live.Refusal(error="not_found"))
    assert msgspec.json.decode(msgspec.json.encode(refused)) == {
        "type": "error",
        "event": "nope",
        "data": {"error": "not_found"},
    }


def test_a_merge_says_from_on_the_wire() -> None:
    into = live.ProposalData(
        id=2, title="T", description="", tags=[], needs=[], status="proposed", facilitators=[],
        votes=0, voters=0, merged_into=None, created_at=datetime(2026, 11, 21, tzinfo=UTC),
    )  # fmt: skip
    wire = msgspec.to_builtins(live.ProposalMerged(data=live.MergeData(from_=1, into=into)))
    assert wire["data"]["from"] == 1 and wire["data"]["into"]["id"] == 2


def phase(name: str, ends: datetime | None = None) -> live.PhaseChanged:
    return live.PhaseChanged(event="ed", data=live.PhaseData(phase=name, phase_ends_at=ends))


def test_which_messages_become_notices() -> None:
    ends = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    voting = notice_for(phase("voting", ends))
    assert voting is not None and voting.kind == "voting.open" and voting.dedupe == "voting.open"
    assert voting.payload == {"ends_at": msgspec.to_builtins(ends)}
    assert notice_for(phase("scheduled")) is None, "the agenda's own notice covers publishing"
    first = notice_for(live.AgendaPublished(event="ed", data=live.VersionData(version=1)))
    again = notice_for(live.AgendaPublished(event="ed", data=live.VersionData(version=3)))
    assert first is not None and (first.kind, first.payload) == ("agenda.published", {"version": 1})
    assert again is not None and (again.kind, again.dedupe) == ("agenda.changed", "agenda.changed:3")
    assert notice_for(live.VoteCast(event="ed", data=live.TallyData(proposal_id=1, votes=1, voters=1))) is None


def next_phase_change(ws: Any) -> dict[str, Any]:
    """The next ``phase.changed`` frame; recv's timeout only bounds a broken run."""
    while True:
        message = json.loads(ws.recv(timeout=60))
        if message["type"] == "phase.changed":
            return message


def test_organizers_the_autopilot_and_publishing_send_the_same_phase_changed(server: Server) -> None:
    ev = make_event(server)
    setup_rooms_and_slots(ev, [30, 20], breakouts=2)
    with connect(server.base_url.replace("http://", "ws://") + ev.url("/live")) as ws:
        assert json.loads(ws.recv(timeout=60))["type"] == "hello"
        ev.phase("proposals")  # an organizer
        by_organizer = next_phase_change(ws)
        people = [ev.join(f"P{i}")[0] for i in range(2)]
        for i, person in enumerate(people):
            assert person.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).status_code == 201
        soon = datetime.now(UTC) + timedelta(seconds=1)
        plan = {"proposals_until": soon.isoformat(), "voting_until": (soon + timedelta(seconds=2)).isoformat()}
        plan["publish_at"] = (soon + timedelta(seconds=3)).isoformat()
        assert ev.organizer.put(ev.url("/autopilot"), json=plan).status_code == 200
        by_autopilot = next_phase_change(ws)  # proposals -> voting
        by_publishing = next_phase_change(ws)  # the autopilot publishes: voting -> scheduled
        for person in people:
            person.close()
    frames = [by_organizer, by_autopilot, by_publishing]
    assert [f["data"]["phase"] for f in frames] == ["proposals", "voting", "scheduled"]
    for frame in frames:
        assert set(frame) == {"type", "event", "at", "data"} and set(frame["data"]) == {"phase", "phase_ends_at"}
        assert isinstance(msgspec.convert(frame, live.AnyLiveMessage), live.PhaseChanged)
    assert by_autopilot["data"]["phase_ends_at"] is not None and by_publishing["data"]["phase_ends_at"] is None
    ev.organizer.close()
