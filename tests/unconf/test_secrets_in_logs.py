"""Secrets stay out of logs and caches.

The attack: whoever reads the server's logs (a log shipper, a shared host) found calendar feed secrets
in the path and invitation and join codes in ``?code=``; and answers carrying an organizer key or a
personal token could be kept by a browser or proxy cache. Every log line is redacted, and every such
answer says ``Cache-Control: no-store``.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.helpers import make_event, stack_database_url, stack_env, start_server

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def no_store(r: httpx.Response) -> bool:
    return "no-store" in r.headers.get("cache-control", "")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_reaches_the_log_and_no_token_answer_is_cached(tmp_path: Path, log_format: str) -> None:
    srv = start_server(stack_database_url(tmp_path), tmp_path, {**stack_env(), "UNCONF_LOG_FORMAT": log_format})
    secrets: dict[str, str] = {"operator token": srv.env["UNCONF_ADMIN_TOKEN"]}
    request_ids = []
    try:
        anon = srv.client()
        # Event creation (API): the organizer key, shown once.
        ev = make_event(srv)
        created = anon.post(
            "/api/v1/events",
            json={"title": "Cache check", "start_date": "2026-11-21", "organizer_name": "O"},
        )
        assert created.status_code == 201 and no_store(created), created.headers
        secrets["organizer key"] = created.json()["organizer_key"]
        ev.phase("proposals")
        secrets["join code"] = ev.join_code

        # Joining (API and page): a personal token.
        joined = anon.post(ev.url("/join"), json={"display_name": "Jo", "join_code": ev.join_code})
        assert joined.status_code == 201 and no_store(joined), joined.headers
        token = joined.json()["token"]
        secrets["personal token"] = token
        anon.cookies.clear()
        page = anon.get(f"/e/{ev.slug}/join", params={"code": ev.join_code})
        assert page.status_code == 200
        with srv.client() as browser:
            form = browser.post(
                f"/e/{ev.slug}/join", data={"display_name": "Pat", "code": ev.join_code}, headers=SAME_SITE
            )
            assert form.status_code == 303 and no_store(form), form.headers

        # An invitation: the link's code in the query, then redeemed for a token.
        people = b"Name,Email\nAda Lovelace,ada@school.example\n"
        imported = ev.organizer.post(
            ev.url("/registrants/import"),
            files={"file": ("people.csv", people, "text/csv"), "mapping": (None, '{"email": "Email", "name": "Name"}')},
        )
        assert imported.status_code == 201, imported.text
        ada = imported.json()["new"][0]["participant_id"]
        links = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [ada]})
        assert links.status_code == 201 and no_store(links)
        code = parse_qs(urlsplit(links.json()["links"][0]["link"]).query)["code"][0]
        secrets["invitation code"] = code
        assert anon.get(f"/e/{ev.slug}/invite", params={"code": code}).status_code == 200
        redeemed = anon.post(ev.url("/invitations/redeem"), json={"code": code})
        assert redeemed.status_code == 201 and no_store(redeemed), redeemed.headers
        anon.cookies.clear()
        # A wrong code in the query is logged redacted too.
        assert anon.get(f"/e/{ev.slug}/invite", params={"code": "WRONG" + code[::-1]}).status_code == 200
        secrets["mistyped invitation code"] = "WRONG" + code[::-1]

        # A calendar feed: its secret is the path.
        me = srv.client(token)
        feed = me.post(ev.url("/feed"))
        assert feed.status_code == 201 and no_store(feed), feed.headers
        secrets["feed secret"] = feed.json()["secret"]
        calendar = anon.get(feed.json()["https_url"].removeprefix(srv.base_url))
        assert calendar.status_code == 200, calendar.text
        assert anon.get(f"/e/{ev.slug}/feed/not-{uuid.uuid4().hex}.ics").status_code == 404

        # A new join code (organizers), the Edcamp API, and the pages that show an organizer key.
        rotated = ev.organizer.post(ev.url("/join-code"))
        assert rotated.status_code == 200 and no_store(rotated)
        secrets["rotated join code"] = rotated.json()["join_code"]
        assert anon.get(f"/e/{ev.slug}/join", params={"code": rotated.json()["join_code"]}).status_code == 200
        camp = anon.post("/api/v1/edcamps", json={"title": "Camp", "start_date": "2026-11-21", "organizer_name": "O"})
        assert camp.status_code == 201 and no_store(camp), camp.headers
        secrets["edcamp organizer key"] = camp.json()["organizer_key"]
        with srv.client() as browser:
            made = browser.post(
                "/new",
                data={
                    "title": "Console event",
                    "organizer_name": "O",
                    "start_date": "2026-11-21",
                    "timezone": "UTC",
                    "breakout_rooms": "2",
                    "dots_per_participant": "3",
                },
                headers=SAME_SITE,
            )
            assert made.status_code == 201 and "Console event is ready" in made.text, made.text[:300]
            assert no_store(made), made.headers
            signin = browser.post(f"/e/{ev.slug}/organize/signin", data={"key": ev.organizer_key}, headers=SAME_SITE)
            assert signin.status_code == 303 and no_store(signin), signin.headers
        # The instance operator: its token as a Bearer header and through the operator page's form.
        with srv.client(srv.env["UNCONF_ADMIN_TOKEN"]) as operator:
            listed = operator.get("/api/v1/operator/events")
            assert listed.status_code == 200 and no_store(listed)
            request_ids.append(listed.headers["x-request-id"])
        with srv.client() as browser:
            signin = browser.post("/operator/signin", data={"token": srv.env["UNCONF_ADMIN_TOKEN"]}, headers=SAME_SITE)
            assert signin.status_code == 303, signin.text
            assert browser.get("/operator").status_code == 200
        # Answers without a secret keep their caching as before.
        public = anon.get(f"/api/v1/events/{ev.slug}")
        assert not no_store(public)
    finally:
        srv.stop()  # uvicorn flushes its access log on the way out

    log = srv.log()
    if log_format == "json":
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        assert len(lines) > 20 and all({"time", "level", "logger", "message", "request_id"} <= set(x) for x in lines)
        access = [x for x in lines if x["logger"] == "uvicorn.access"]
        assert access and all(x["request_id"] != "-" for x in access), "every access line has its request id"
        assert request_ids[0] in {x["request_id"] for x in access}, "the id the answer carried is in the log"
        messages = "\n".join(x["message"] for x in lines)
    else:
        messages = log
        assert f"[{request_ids[0]}]" in log, "the id the answer carried is in the log"
    assert f'"GET /e/{ev.slug}/feed/[redacted] HTTP/1.1" 200' in messages, log[-3000:]
    assert f'"GET /e/{ev.slug}/invite?code=[redacted] HTTP/1.1" 200' in messages, log[-3000:]
    assert f'"GET /e/{ev.slug}/join?code=[redacted] HTTP/1.1" 200' in messages, log[-3000:]
    leaked = [name for name, value in secrets.items() if value in log]
    assert leaked == [], f"in the log: {leaked}"
