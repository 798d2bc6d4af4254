"""Staying as a member: a sign-in link by email, one tap into the next event, the profile carried over."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from tests.community.world import call_service, community_event, person
from tests.helpers import Server, make_event
from tests.notify.loopback import SmtpSink, link_in, text_of, wait_for

pytest_plugins = ["tests.notify.fixtures"]


def signin_code(smtp_sink: SmtpSink, slug: str, community: str, count: int = 1) -> str:
    mails = wait_for(f"{count} sign-in mail(s)", lambda: (m := smtp_sink.for_event(slug)) and len(m) >= count and m)
    link = link_in(text_of(mails[count - 1]), rf"http://\S+/c/{community}/signin\?code=\S+")
    return parse_qs(urlsplit(link).query)["code"][0]


def test_member_signs_in_by_email_and_joins_the_next_event_in_one_tap(
    notify_server: Server, smtp_sink: SmtpSink
) -> None:
    ev, community = community_event(notify_server, "Edcamp Lakeside")
    slug = community["slug"]
    assert slug == "edcamp-lakeside" and [e["slug"] for e in community["events"]] == [ev.slug]
    ev.phase("proposals")
    ana, ana_id = person(ev, "Ana", {"display_name": "Ana A.", "subjects": ["maths"], "city": "Lakeside"})

    bad = ana.post(ev.url("/me/membership"), json={"email": "not an address"})
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    r = ana.post(ev.url("/me/membership"), json={"email": "Ana@School.example"})
    assert r.status_code == 201, r.text
    assert r.json()["community"] == slug and r.json()["email"] == "ana@school.example" and r.json()["signin_sent"]
    code = signin_code(smtp_sink, ev.slug, slug)
    assert smtp_sink.for_event(ev.slug)[0]["To"] == "ana@school.example"

    with notify_server.client() as anon:
        page = anon.get(f"/c/{slug}/signin", params={"code": code})
        assert page.status_code == 200 and code in page.text, "a button, so mail scanners do not use the code"
        signed = anon.post(f"/api/v1/communities/{slug}/signin/redeem", json={"code": code})
        assert signed.status_code == 201, signed.text
        assert signed.headers["cache-control"] == "no-store"
        token = signed.json()["token"]
        again = anon.post(f"/api/v1/communities/{slug}/signin/redeem", json={"code": code})
        assert again.status_code == 401 and again.json()["field"] == "code"
        # The same answer for a stranger's address: nobody learns who is a member.
        stranger = anon.post(f"/api/v1/communities/{slug}/signin", json={"email": "who@else.example"})
        known = anon.post(f"/api/v1/communities/{slug}/signin", json={"email": "ana@school.example"})
        assert stranger.status_code == known.status_code == 202 and stranger.json() == known.json()
        assert anon.cookies.get(f"unconf_m_{slug}") == token, "the browser keeps the member's cookie"
    with notify_server.client() as stranger_client:
        assert stranger_client.get(f"/api/v1/communities/{slug}/me").status_code == 401
        assert stranger_client.get(f"/api/v1/communities/{slug}/directory").status_code == 401
    code_again = signin_code(smtp_sink, ev.slug, slug, count=2)
    assert code_again != code

    member = notify_server.client(token)
    me = member.get(f"/api/v1/communities/{slug}/me").json()
    assert me["events"] == [ev.slug] and me["email"] == "ana@school.example"
    assert member.get(f"/api/v1/communities/{slug}/me/profile").json()["display_name"] == "Ana A."

    # The organizers make the next event; the member joins it in one tap, with their profile.
    with notify_server.client() as anon:
        refused = anon.post(
            f"/api/v1/communities/{slug}/events",
            json={"title": "Spring", "start_date": "2027-03-01", "organizer_name": "O"},
        )
        assert refused.status_code == 401
    nxt = ev.organizer.post(
        f"/api/v1/communities/{slug}/events",
        json={"title": "Edcamp Lakeside Spring", "start_date": "2027-03-01", "organizer_name": "Olga"},
    )
    assert nxt.status_code == 201, nxt.text
    spring = nxt.json()["event"]["slug"]
    with notify_server.client(nxt.json()["organizer_key"]) as spring_organizer:
        assert spring_organizer.post(f"/api/v1/events/{spring}/phase", json={"phase": "proposals"}).status_code == 200
    joined = member.post(f"/api/v1/communities/{slug}/events/{spring}/join")
    assert joined.status_code == 201, joined.text
    with notify_server.client(joined.json()["token"]) as there:
        mine = there.get(f"/api/v1/events/{spring}/me").json()["participant"]
        assert mine["display_name"] == "Ana A."
        assert there.get(f"/api/v1/events/{spring}/me/profile").json()["subjects"] == ["maths"]
    assert sorted(member.get(f"/api/v1/communities/{slug}/me").json()["events"]) == sorted([ev.slug, spring])
    other = make_event(notify_server)
    assert member.post(f"/api/v1/communities/{slug}/events/{other.slug}/join").status_code == 404
    assert ana_id  # the first event's participant stays theirs


def test_directory_is_for_members_and_anyone_can_hide(notify_server: Server, smtp_sink: SmtpSink) -> None:
    ev, community = community_event(notify_server, "Edcamp Hillside")
    slug = community["slug"]
    # Everyone joining below is new to the community, so the welcome worker (conversation/) would pick
    # greeters for them too and use up the daily caps this test counts: welcomes stay off until it has
    # settled every joiner's welcome task.
    assert ev.organizer.patch(f"/api/v1/communities/{slug}/", json={"welcomes_enabled": False}).status_code == 200
    ev.phase("proposals")
    tokens = {}
    for n, (name, profile) in enumerate(
        [
            ("Ana", {"display_name": "Ana", "city": "Hillside", "can_help": ["robotics"]}),
            ("Ben", {"display_name": "Ben", "city": "Hillside", "looking_for": ["robotics"], "in_directory": False}),
            ("Cai", {"display_name": "Cai", "city": "Valley", "subjects": ["robotics"]}),
        ],
        start=1,
    ):
        client, _ = person(ev, name, profile)
        assert (
            client.post(ev.url("/me/membership"), json={"email": f"{name.lower()}@school.example"}).status_code == 201
        )
        code = signin_code(smtp_sink, ev.slug, slug, count=n)
        with notify_server.client() as anon:
            tokens[name] = anon.post(f"/api/v1/communities/{slug}/signin/redeem", json={"code": code}).json()["token"]
    ana = notify_server.client(tokens["Ana"])
    listed = ana.get(f"/api/v1/communities/{slug}/directory").json()
    assert [e["display_name"] for e in listed] == ["Ana", "Cai"], "Ben hid himself"
    assert "email" not in str(listed)
    by_tag = ana.get(f"/api/v1/communities/{slug}/directory", params={"tag": "robotics", "city": "valley"}).json()
    assert [e["display_name"] for e in by_tag] == ["Cai"]

    # Greeters: organizers mark them; the best match for a newcomer, within the daily cap.
    members = {m["display_name"]: m for m in ev.organizer.get(f"/api/v1/communities/{slug}/members").json()}
    for name in ("Ana", "Cai"):
        r = ev.organizer.put(f"/api/v1/communities/{slug}/greeters/{members[name]['member_id']}")
        assert r.status_code == 200 and r.json()["greeter"] is True
    assert ana.put(f"/api/v1/communities/{slug}/greeters/{members['Ben']['member_id']}").status_code == 401
    r = ev.organizer.patch(f"/api/v1/communities/{slug}/", json={"greeter_daily_cap": 1})
    assert r.status_code == 200 and r.json()["greeter_daily_cap"] == 1
    newcomer, newcomer_id = person(ev, "Newt", {"looking_for": ["robotics"]})
    second, second_id = person(ev, "Nia", {"subjects": ["robotics"]})
    pending_welcomes = (
        "from notify.tables import Outbox\n"
        "result = await Outbox.count().where("
        "(Outbox.channel == 'task') & (Outbox.status == 'pending') & (Outbox.kind == 'greeter.welcome'))"
    )
    settle_deadline = time.monotonic() + 120
    while call_service(notify_server, pending_welcomes) and time.monotonic() < settle_deadline:
        time.sleep(0.5)
    assert call_service(notify_server, pending_welcomes) == 0, "the welcome worker never settled the joiners"
    r = ev.organizer.patch(f"/api/v1/communities/{slug}/", json={"welcomes_enabled": True})
    assert r.status_code == 200 and r.json()["welcomes_enabled"] is True
    picked = call_service(
        notify_server,
        "from community.tables import Community\n"
        "from community.services import assign_greeter, best_greeter_for\n"
        f"c = await Community.objects().where(Community.slug == {slug!r}).first()\n"
        f"a = await assign_greeter(c.id, {newcomer_id})\n"
        f"again = await assign_greeter(c.id, {newcomer_id})\n"
        f"b = await best_greeter_for(c.id, {second_id})\n"
        f"result = [a.id, again.id, b.id if b else None]",
    )
    assert picked[0] == members["Ana"]["member_id"], "Ana can help with what Newt is looking for"
    assert picked[1] == picked[0]
    assert picked[2] == members["Cai"]["member_id"], "Ana is at her cap of one a day"
    r = ev.organizer.patch(f"/api/v1/communities/{slug}/", json={"welcomes_enabled": False})
    assert r.status_code == 200
    off = call_service(
        notify_server,
        "from community.tables import Community\n"
        "from community.services import best_greeter_for\n"
        f"c = await Community.objects().where(Community.slug == {slug!r}).first()\n"
        f"result = await best_greeter_for(c.id, {second_id})",
    )
    assert off is None
    bad = ev.organizer.patch(f"/api/v1/communities/{slug}/", json={"greeter_daily_cap": -1})
    assert bad.status_code == 400 and bad.json()["field"] == "greeter_daily_cap"
    assert newcomer and second


def test_an_attendee_may_stay_as_a_member_when_joining(notify_server: Server, smtp_sink: SmtpSink) -> None:
    ev, community = community_event(notify_server, "Edcamp Joinville")
    ev.phase("proposals")
    plain = make_event(notify_server)
    plain.phase("proposals")
    with notify_server.client() as browser:
        assert "member_email" not in browser.get(f"/e/{plain.slug}/join").text, "no community, no offer"
        form = browser.get(f"/e/{ev.slug}/join")
        assert 'name="member_email"' in form.text and "Edcamp Joinville" in form.text
        same = {"Sec-Fetch-Site": "same-origin"}
        bad = browser.post(
            f"/e/{ev.slug}/join",
            data={"display_name": "Jo", "code": ev.join_code, "member_email": "not an email"},
            headers=same,
        )
        assert bad.status_code == 400 and "does not look right" in bad.text
        assert f"unconf_t_{ev.slug}" not in browser.cookies, "nothing half done: not joined either"
        ok = browser.post(
            f"/e/{ev.slug}/join",
            data={"display_name": "Jo", "code": ev.join_code, "member_email": "jo@school.example"},
            headers=same,
        )
        assert ok.status_code == 303, ok.text
        token = browser.cookies[f"unconf_t_{ev.slug}"]
    signin_code(smtp_sink, ev.slug, community["slug"])
    with notify_server.client(token) as jo:
        r = jo.post(ev.url("/me/membership"), json={"email": "jo@school.example"})
        assert r.status_code == 201 and r.json()["email"] == "jo@school.example" and r.json()["events"] == [ev.slug]
