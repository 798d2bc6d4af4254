"""The crowdsourced newsletter: one item per member per week, organizers edit and remove, the weekly issue
goes out once to the members who want it (frozen, readable afterwards), and its unsubscribe link works
without signing in (the page's button, and a mail client's one-click POST)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import database_rows, stack_database_url, stack_env
from tests.newsletter.support import (
    WEEK_50,
    WEEK_51,
    WEEK_52,
    community_event,
    json_of,
    mails,
    member,
    start,
    stop,
    text_of,
    unsubscribe_path,
)
from tests.notify.loopback import wait_for


def test_one_item_a_week_organizers_edit_and_the_issue_goes_out_once(tmp_path: Path) -> None:
    database, mail = stack_database_url(tmp_path), tmp_path / "mail"
    server = start(database, tmp_path, mail, WEEK_50, stack_env())
    try:
        ev, slug = community_event(server, "Edcamp Letters")
        ana, ben, cleo = (member(server, ev, slug, mail, n) for n in ("Ana", "Ben", "Cleo"))
        api = f"/api/v1/communities/{slug}/newsletter"
        with server.client(ana) as a, server.client(ben) as b, server.client(cleo) as c, server.client() as anon:
            first = a.post(api, json={"text": "Maker fair on Friday, bring a robot"})
            assert first.status_code == 201, first.text
            assert first.json()["week"] == "2026-W50" and first.json()["mine"]
            second = a.post(api, json={"text": "And another thing"})
            assert second.status_code == 409 and second.json()["error"] == "newsletter_item_exists"
            assert second.json()["field"] == "text"
            blank = b.post(api, json={"text": "   "})
            assert blank.status_code == 400 and blank.json()["field"] == "text"
            assert b.post(api, json={"text": "Spam spam spam"}).status_code == 201
            item_c = json_of(c.post(api, json={"text": "Book club: tuesdays"}))
            assert anon.get(api).status_code == 401, "members only"
            assert anon.post(api, json={"text": "x"}).status_code == 401
            # Members cannot edit; organizers edit and remove.
            items = json_of(a.get(api))["items"]
            assert [i["author_name"] for i in items] == ["Ana", "Ben", "Cleo"]
            assert a.patch(f"{api}/items/{item_c['id']}", json={"text": "mine now"}).status_code == 401
            spam = next(i for i in items if i["author_name"] == "Ben")
            assert ev.organizer.delete(f"{api}/items/{spam['id']}").status_code == 204
            assert ev.organizer.delete(f"{api}/items/{spam['id']}").status_code == 404
            edited = ev.organizer.patch(f"{api}/items/{item_c['id']}", json={"text": "Book club: Tuesdays at 5"})
            assert json_of(edited)["text"] == "Book club: Tuesdays at 5"
            # Ben does not want the newsletter by email.
            prefs = {"kinds": [{"kind": "newsletter", "email": False, "in_app": True}]}
            assert json_of(b.put(f"/api/v1/communities/{slug}/me/preferences", json=prefs))["kinds"][3] == {
                "kind": "newsletter",
                "email": False,
                "in_app": True,
            }
        assert mails(mail, "newsletter.mail") == [], "the week is not over"
    finally:
        stop(server)
    # A restart in the next week: the issue of week 50 is frozen and mailed once (two loops, one key).
    nxt = start(database, tmp_path, mail, WEEK_51, stack_env())
    try:
        wait_for("the newsletter to Ana and Cleo", lambda: len(mails(mail, "newsletter.mail")) >= 2)
        with nxt.client(ana) as a:
            read = json_of(a.get(f"/api/v1/communities/{slug}/newsletter"))
            assert read["week"] == "2026-W51" and read["items"] == []
            assert [(i["week"], [x["text"] for x in i["items"]]) for i in read["issues"]] == [
                ("2026-W50", ["Maker fair on Friday, bring a robot", "Book club: Tuesdays at 5"])
            ]
            again = a.post(f"/api/v1/communities/{slug}/newsletter", json={"text": "A new week, a new item"})
            assert again.status_code == 201, "one a week: next week is another week"
        sent = mails(mail, "newsletter.mail")
        assert sorted(m["To"] for m in sent) == ["ana@school.example", "cleo@school.example"]
        assert "Book club: Tuesdays at 5" in text_of(sent[0]) and "Spam" not in text_of(sent[0])
        # Cleo unsubscribes through the page (GET shows a button, POST confirms); no sign-in needed.
        cleo_mail = next(m for m in sent if m["To"] == "cleo@school.example")
        link = unsubscribe_path(cleo_mail)
        with nxt.client() as anon:
            page = anon.get(link)
            assert page.status_code == 200 and "Unsubscribe" in page.text and "the newsletter" in page.text
            assert anon.post(link).status_code == 200
            for bad in (link[:-3] + "xyz", "/unsubscribe/1.digest.nope", "/unsubscribe/answer", "/unsubscribe/9.x.y"):
                assert anon.get(bad).status_code == 404
                assert anon.post(bad).status_code == 404
        with nxt.client(cleo) as c:
            kinds = json_of(c.get(f"/api/v1/communities/{slug}/me/preferences"))["kinds"]
            assert {k["kind"]: k["email"] for k in kinds}["newsletter"] is False
    finally:
        stop(nxt)
    last = start(database, tmp_path, mail, WEEK_52, stack_env())
    try:
        wait_for("week 51's issue to Ana", lambda: len(mails(mail, "newsletter.mail")) >= 3)
        with last.client(ana) as a:
            issues = json_of(a.get(f"/api/v1/communities/{slug}/newsletter"))["issues"]
            assert [i["week"] for i in issues] == ["2026-W51", "2026-W50"]
    finally:
        stop(last)
    to = [m["To"] for m in mails(mail, "newsletter.mail")]
    assert sorted(to) == ["ana@school.example", "ana@school.example", "cleo@school.example"], "Cleo unsubscribed"


def test_my_data_holds_my_preferences_and_announcements_and_erasing_removes_them(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    server = start(stack_database_url(tmp_path), tmp_path, mail, WEEK_50, stack_env())
    try:
        ev, slug = community_event(server, "Edcamp Records")
        token = member(server, ev, slug, mail, "Rae")
        api = f"/api/v1/communities/{slug}"
        with server.client(token) as me:
            assert me.post(f"{api}/newsletter", json={"text": "Garden club"}).status_code == 201
            json_of(me.put(f"{api}/me/preferences", json={"digest": "daily"}))
            held = json_of(me.get(f"{api}/me/data"))["newsletter"]
            assert held["newsletter_items"][0]["text"] == "Garden club"
            assert {"kind": "digest", "channel": "email", "enabled": True, "frequency": "daily"} in held["preferences"]
            assert me.post(f"{api}/me/erase", json={"confirm": "erase"}).status_code == 200
        with server.client(ev.organizer_key) as organizer:
            assert organizer.get(f"{api}/ladder").status_code == 200
        remaining = server.client()
        assert remaining.get(f"{api}/newsletter").status_code == 401
        remaining.close()
        rows = database_rows(server.database_url, "SELECT count(*) FROM newsletter_item")
        prefs = database_rows(server.database_url, "SELECT count(*) FROM notification_preference")
        assert rows == [(0,)] and prefs == [(0,)], "erased with the membership"
    finally:
        stop(server)
