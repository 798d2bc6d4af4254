"""Webhooks against receivers on loopback: Slack-compatible, signed generic, failing, slow."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from notify import formats
from tests.helpers import EventHandle, Server, make_event
from tests.notify.loopback import Hit, Receiver, always, fails_then_ok, ok, slow, wait_for

# The loopback SMTP/HTTP servers and the app server wired to them (session fixtures, shared).
pytest_plugins = ["tests.notify.fixtures"]


def add_webhook(ev: EventHandle, url: str, **extra: Any) -> dict[str, Any]:
    r = ev.organizer.post(ev.url("/webhooks"), json={"url": url, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def deliveries(ev: EventHandle, webhook_id: int) -> list[dict[str, Any]]:
    r = ev.organizer.get(ev.url(f"/webhooks/{webhook_id}/deliveries"))
    assert r.status_code == 200, r.text
    return r.json()


def verify_as_a_receiver(secret: str, hit: Hit) -> bool:
    """Exactly what docs/webhooks.md tells receivers to do."""
    timestamp = hit.headers["unconf-webhook-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + hit.body, hashlib.sha256).hexdigest()
    given = hit.headers["unconf-webhook-signature"].removeprefix("v1=")
    return hmac.compare_digest(expected, given)


def test_phase_changes_reach_slack_and_signed_generic_receivers(notify_server: Server, receiver: Receiver) -> None:
    ev = make_event(notify_server, title="Edcamp <Riverside> & Co")
    receiver.routes["/slack"] = ok
    receiver.routes["/generic"] = ok
    receiver.routes["/only-voting"] = ok
    slack = add_webhook(ev, receiver.url("/slack"), format="slack", description="#edcamp")
    generic = add_webhook(ev, receiver.url("/generic"))
    add_webhook(ev, receiver.url("/only-voting"), types=["voting.open"])
    assert slack["secret"] is None and generic["secret"].startswith("whsec_")
    listed = ev.organizer.get(ev.url("/webhooks")).json()
    assert all("secret" not in w for w in listed) and listed[1]["secret_hint"].endswith("…")

    ev.phase("proposals")
    text = wait_for("the Slack message", lambda: receiver.at("/slack"))[0].json()["text"]
    assert "Session proposals are open" in text and "*Edcamp &lt;Riverside&gt; &amp; Co*" in text
    assert f"/e/{ev.slug}/proposals" in text
    hit = wait_for("the generic delivery", lambda: receiver.at("/generic"))[0]
    assert hit.headers["content-type"] == "application/json"
    assert verify_as_a_receiver(generic["secret"], hit)
    assert not verify_as_a_receiver("whsec_wrong", hit)
    stamp, signature = hit.headers["unconf-webhook-timestamp"], hit.headers["unconf-webhook-signature"]
    assert formats.verify(generic["secret"], stamp, hit.body, signature)
    assert not formats.verify(generic["secret"], stamp, hit.body + b" ", signature)
    body = hit.json()
    assert body["type"] == "proposals.open" and body["version"] == 1 and body["id"] == hit.headers["unconf-webhook-id"]
    assert body["event"] == {
        "slug": ev.slug,
        "title": "Edcamp <Riverside> & Co",
        "url": f"{notify_server.base_url}/e/{ev.slug}",
        "timezone": "Europe/Berlin",
    }
    ev.phase("voting")
    wait_for("voting.open", lambda: [h for h in receiver.at("/generic") if h.json()["type"] == "voting.open"])
    only = wait_for("the filtered endpoint", lambda: receiver.at("/only-voting"))
    assert [h.json()["type"] for h in only] == ["voting.open"]
    # Undoing and redoing a phase does not announce it again.
    ev.phase("proposals")
    ev.phase("voting")
    test = ev.organizer.post(ev.url(f"/webhooks/{generic['webhook']['id']}/test"))
    assert test.status_code == 202, test.text
    wait_for("the test message", lambda: [h for h in receiver.at("/generic") if h.json()["type"] == "webhook.test"])
    assert [h.json()["type"] for h in receiver.at("/generic")] == ["proposals.open", "voting.open", "webhook.test"]
    log = wait_for(
        "a complete log",
        lambda: (
            all(d["status"] == "delivered" for d in deliveries(ev, generic["webhook"]["id"]))
            and deliveries(ev, generic["webhook"]["id"])
        ),
    )
    assert {d["kind"] for d in log} == {"proposals.open", "voting.open", "webhook.test"}
    assert all(d["log"][-1]["ok"] and d["log"][-1]["code"] == 200 for d in log)

    rotated = ev.organizer.post(ev.url(f"/webhooks/{generic['webhook']['id']}/rotate-secret"))
    assert rotated.status_code == 200 and rotated.json()["secret"] != generic["secret"]
    ev.organizer.post(ev.url(f"/webhooks/{generic['webhook']['id']}/test"))
    latest = wait_for("a message signed with the new secret", lambda: receiver.at("/generic")[3:])
    assert verify_as_a_receiver(rotated.json()["secret"], latest[0])


def test_failing_receiver_is_retried_with_backoff_and_logged(notify_server: Server, receiver: Receiver) -> None:
    ev = make_event(notify_server)
    receiver.routes["/flaky"] = fails_then_ok(2)
    receiver.routes["/dead"] = always(500)
    flaky = add_webhook(ev, receiver.url("/flaky"))["webhook"]["id"]
    dead = add_webhook(ev, receiver.url("/dead"), format="slack")["webhook"]["id"]
    for webhook_id in (flaky, dead):
        assert ev.organizer.post(ev.url(f"/webhooks/{webhook_id}/test")).status_code == 202
    done = wait_for(
        "delivery after two failures", lambda: [d for d in deliveries(ev, flaky) if d["status"] == "delivered"]
    )
    (delivery,) = done
    assert [(a["number"], a["ok"], a["code"]) for a in delivery["log"]] == [
        (1, False, 503),
        (2, False, 503),
        (3, True, 200),
    ]
    assert "503" in delivery["log"][0]["error"]
    hits = receiver.at("/flaky")
    assert len(hits) == 3 and len({h.body for h in hits}) == 1, "every retry sends the same body"
    assert len({h.headers["unconf-webhook-id"] for h in hits}) == 1, "and the same id, so receivers can dedupe"
    stamps = [int(h.headers["unconf-webhook-timestamp"]) for h in hits]
    assert stamps == sorted(stamps)

    retrying = wait_for(
        "the dead receiver's second failure",
        lambda: [d for d in deliveries(ev, dead) if d["attempts"] >= 2 and len(d["log"]) >= 2],
    )[0]
    assert retrying["status"] == "pending" and retrying["next_attempt_at"] is not None
    assert all(not a["ok"] and a["code"] == 500 for a in retrying["log"])
    everything = ev.organizer.get(ev.url("/notifications/deliveries"), params={"channel": "webhook"})
    assert everything.status_code == 200 and {d["endpoint_id"] for d in everything.json()} == {flaky, dead}


def test_a_slow_receiver_does_not_hold_up_requests_or_other_receivers(
    notify_server: Server, receiver: Receiver
) -> None:
    ev = make_event(notify_server)
    receiver.routes["/slow"] = slow(receiver)
    receiver.routes["/fast"] = ok
    slow_id = add_webhook(ev, receiver.url("/slow"))["webhook"]["id"]
    add_webhook(ev, receiver.url("/fast"), format="slack")
    assert ev.organizer.post(ev.url(f"/webhooks/{slow_id}/test")).status_code == 202
    wait_for("the slow receiver to be holding a request", lambda: receiver.at("/slow"))
    # While it hangs, the event goes on: the phase changes, people join, and the other receiver hears about it.
    ev.phase("proposals")
    ev.join("Somebody")
    fast = wait_for("the fast receiver", lambda: receiver.at("/fast"))
    assert "proposals are open" in fast[0].json()["text"]
    assert not receiver.release.is_set(), "the slow receiver was still holding its request"
    # The slow one runs into the sender's timeout and is logged as a failed attempt, to be retried.
    timed_out = wait_for(
        "the timeout to be logged",
        lambda: [d for d in deliveries(ev, slow_id) if d["log"] and not d["log"][0]["ok"]],
    )
    assert "seconds" in timed_out[0]["log"][0]["error"] or "Timeout" in timed_out[0]["log"][0]["error"]


def test_webhook_bad_input(notify_server: Server, receiver: Receiver) -> None:
    ev = make_event(notify_server)
    ev.phase("proposals")
    attendee, _ = ev.join("Not An Organizer")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"url": "ftp://127.0.0.1/hook"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://"}, "url"),
        ({"url": receiver.url("/x"), "format": "teams"}, "format"),
        ({"url": receiver.url("/x"), "types": ["vote.cast"]}, "types"),
        ({"url": receiver.url("/x"), "secret": "mine"}, "secret"),
        ({}, "url"),
    ]
    for body, field in cases:
        r = ev.organizer.post(ev.url("/webhooks"), json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"].startswith(field), (body, r.text)
    assert (
        ev.organizer.post(
            ev.url("/webhooks"), content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert attendee.post(ev.url("/webhooks"), json={"url": receiver.url("/x")}).status_code == 403
    assert attendee.get(ev.url("/notifications/deliveries")).status_code == 403
    assert ev.organizer.post(ev.url("/webhooks/99999/test")).status_code == 404
    assert ev.organizer.get(ev.url("/webhooks/99999999999/deliveries")).status_code in (400, 404)
    r = ev.organizer.get(ev.url("/notifications/deliveries"), params={"channel": "pigeon"})
    assert r.status_code == 400 and r.json()["field"] == "channel", r.text
    hook = add_webhook(ev, receiver.url("/x"))["webhook"]["id"]
    paused = ev.organizer.patch(ev.url(f"/webhooks/{hook}"), json={"active": False, "types": ["agenda.published"]})
    assert paused.status_code == 200 and paused.json()["active"] is False
    assert ev.organizer.delete(ev.url(f"/webhooks/{hook}")).status_code == 204
    assert ev.organizer.get(ev.url(f"/webhooks/{hook}/deliveries")).status_code == 404
    other = make_event(notify_server)
    theirs = add_webhook(other, receiver.url("/x"))["webhook"]["id"]
    assert ev.organizer.post(ev.url(f"/webhooks/{theirs}/test")).status_code == 404, "another event's webhook"


def test_agenda_changes_are_announced_with_what_moved(notify_server: Server, receiver: Receiver) -> None:
    ev = make_event(notify_server, timezone="America/Chicago", start_date="2027-03-06")
    receiver.routes["/hook"] = ok
    receiver.routes["/slack"] = ok
    add_webhook(ev, receiver.url("/hook"), types=["agenda.published", "agenda.changed"])
    add_webhook(ev, receiver.url("/slack"), format="slack", types=["agenda.changed"])
    rooms = [ev.organizer.post(ev.url("/rooms"), json={"name": n, "capacity": 30}).json() for n in ("Gym", "Lab")]
    slot = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2027-03-06T10:00", "ends_at": "2027-03-06T10:45"})
    assert slot.status_code == 201, slot.text
    ev.phase("proposals")
    people = [ev.join(name)[0] for name in ("Ann", "Ben")]
    titles = ("Robots", "Poetry")
    ids = [p.post(ev.url("/proposals"), json={"title": t}).json()["id"] for p, t in zip(people, titles, strict=True)]
    ev.phase("voting")
    for p in people:
        for pid in ids:
            assert p.post(ev.url("/votes"), json={"proposal_id": pid}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    published = wait_for("agenda.published", lambda: [h.json() for h in receiver.at("/hook")])[0]
    assert published["type"] == "agenda.published" and published["data"]["version"] == 1
    assert {s["proposal_id"] for s in published["data"]["sessions"]} == set(ids)
    assert all(s["ics_url"].endswith(f"/e/{ev.slug}/s/{s['proposal_id']}.ics") for s in published["data"]["sessions"])
    assert published["data"]["sessions"][0]["starts_at"].endswith("-06:00"), "times in the event's timezone"

    room_of = {s["proposal_id"]: s["room_id"] for s in published["data"]["sessions"]}
    other = next(r["id"] for r in rooms if r["id"] != room_of[ids[0]])
    moved = ev.organizer.put(
        ev.url(f"/agenda/draft/sessions/{ids[0]}"), json={"slot_id": slot.json()["id"], "room_id": other}
    )
    assert moved.status_code == 200, moved.text
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    changed = wait_for("agenda.changed", lambda: [h.json() for h in receiver.at("/hook")][1:])[0]
    assert changed["type"] == "agenda.changed" and changed["data"]["version"] == 2
    assert {(c["proposal_id"], c["change"]) for c in changed["data"]["changes"]} == {(i, "moved") for i in ids}
    text = wait_for("Slack to hear about the change", lambda: receiver.at("/slack"))[0].json()["text"]
    assert "changed (version 2)" in text and "moved: Robots" in text


def test_a_receivers_error_body_is_logged_not_shown(notify_server: Server, receiver: Receiver) -> None:
    """Whatever an endpoint answers (an internal service's error page, say) stays out of the delivery log."""
    ev = make_event(notify_server)
    secret = "INTERNAL-ONLY-3b9e1d-do-not-show"
    receiver.routes["/leaky"] = lambda _: (500, {"Content-Type": "text/plain"}, secret.encode())
    webhook_id = add_webhook(ev, receiver.url("/leaky"))["webhook"]["id"]
    assert ev.organizer.post(ev.url(f"/webhooks/{webhook_id}/test")).status_code == 202
    log = wait_for("a failed attempt", lambda: [d for d in deliveries(ev, webhook_id) if d["log"]])
    assert log[0]["log"][0]["code"] == 500 and "500" in log[0]["log"][0]["error"]
    assert secret not in ev.organizer.get(ev.url(f"/webhooks/{webhook_id}/deliveries")).text
    assert secret not in ev.organizer.get(ev.url("/webhooks")).text
    assert wait_for("the operator's log line", lambda: secret in notify_server.log())


def test_a_repeat_that_comes_or_goes_is_announced_as_a_repeat(notify_server: Server, receiver: Receiver) -> None:
    """A session running twice: each run is compared with the same run, so the first never reads as moved."""
    from tests.agenda.test_repeats_service import crowded_event, runs_of

    receiver.routes["/repeats"] = ok
    ev, ids = crowded_event(notify_server)
    add_webhook(ev, receiver.url("/repeats"), types=["agenda.published", "agenda.changed"])
    org, phones = ev.organizer, ids["Phones in class"]
    assert org.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    assert org.post(ev.url("/agenda/publish")).status_code == 201
    wait_for("agenda.published", lambda: receiver.at("/repeats"))

    # The organizer lets the crowded topic repeat and re-builds: its repeat is added, nothing else moves.
    assert org.put(ev.url("/agenda/repeatable"), json={"proposal_id": phones, "repeatable": True}).status_code == 200
    before = {
        (s["proposal_id"], s["run"]): (s["slot_id"], s["room_id"])
        for s in org.get(ev.url("/agenda")).json()["sessions"]
    }
    for (pid, _), place in before.items():
        pinned = org.put(
            ev.url(f"/agenda/draft/sessions/{pid}"), json={"slot_id": place[0], "room_id": place[1], "pinned": True}
        )
        assert pinned.status_code == 200, pinned.text
    built = org.post(ev.url("/agenda/build"), json={"time_limit": 1}).json()
    repeat = runs_of(built, phones)[-1]
    assert repeat["run"] == 2, "the crowded topic repeats"
    assert org.post(ev.url("/agenda/publish")).status_code == 201
    changed = wait_for("agenda.changed", lambda: [h.json() for h in receiver.at("/repeats")][1:])[0]
    assert [(c["proposal_id"], c["run"], c["change"]) for c in changed["data"]["changes"]] == [(phones, 2, "added")]
    assert changed["data"]["changes"][0]["text"].startswith("repeat added: Phones in class at ")

    # Taking the repeat off is announced as the repeat removed, not the session.
    assert org.delete(ev.url(f"/agenda/draft/sessions/{phones}"), params={"run": 2}).status_code in (200, 204)
    assert org.post(ev.url("/agenda/publish")).status_code == 201
    removed = wait_for("a second agenda.changed", lambda: [h.json() for h in receiver.at("/repeats")][2:])[0]
    assert [(c["proposal_id"], c["run"], c["change"]) for c in removed["data"]["changes"]] == [(phones, 2, "removed")]
    assert removed["data"]["changes"][0]["text"].startswith("repeat removed: Phones in class at ")
