"""Video settings as an attacker would write them: providers pointed into our own network, and templates
that ask ``str.format`` for a 50-million-character field. Each is refused with a 400 naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from rooms_support import FakeBigBlueButton, FakeWhereby, published

from tests.conftest import Server
from tests.helpers import make_event, stack_database_url, stack_env, start_server
from tests.notify.loopback import Hit, Receiver

BBB_SECRET = "bbb-shared-secret-8d1e4a0c"
WHEREBY_KEY = "whereby-api-key-5e2f9c"
MARKER = "INTERNAL-ONLY-7f3a9c-do-not-show"


def _settings(client: httpx.Client, url: str) -> dict[str, Any]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return r.json()


def test_providers_pointed_into_our_network_are_refused_on_save(server: Server) -> None:
    """The shared server has the default: private, loopback, link-local and metadata addresses refused."""
    bbb = FakeBigBlueButton(BBB_SECRET)
    whereby = FakeWhereby(WHEREBY_KEY)
    ev = make_event(server, tier="paid")
    try:
        before = _settings(ev.organizer, ev.url("/video"))
        port = bbb.port
        bbb_urls = [
            bbb.api_url,  # http://127.0.0.1:<port>/bigbluebutton/api, a server that would answer
            f"http://localhost:{port}/bigbluebutton/api",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/bigbluebutton/api",
            "https://192.168.1.10/bigbluebutton/api",
            "https://[::1]/bigbluebutton/api",
            "https://[::ffff:127.0.0.1]/bigbluebutton/api",
            "https://[fe80::1]/bigbluebutton/api",
            "https://100.64.0.1/bigbluebutton/api",
            "https://0.0.0.0/bigbluebutton/api",
        ]
        attempts = [
            {"provider": "bbb", "config": {"base_url": u}, "secrets": {"shared_secret": BBB_SECRET}} for u in bbb_urls
        ]
        attempts.append(
            {"provider": "whereby", "config": {"api_url": whereby.api_url}, "secrets": {"api_key": WHEREBY_KEY}}
        )
        for body in attempts:
            r = ev.organizer.put(ev.url("/video"), json=body)
            assert r.status_code == 400, (body, r.text)
            answer = r.json()
            assert set(answer) >= {"error", "detail", "field"}
            assert answer["field"] == ("config.api_url" if body["provider"] == "whereby" else "config.base_url")
            assert answer["error"] == "address_not_allowed", answer
            assert _settings(ev.organizer, ev.url("/video")) == before, "nothing was saved"
        assert bbb.calls == [] and whereby.created == [], "no request reached the loopback providers"
    finally:
        ev.organizer.close()
        bbb.stop()
        whereby.stop()


def _refusing_bbb(receiver: Receiver) -> None:
    """A BigBlueButton stand-in that refuses create with something only the operator should read."""
    body = f"<response><returncode>FAILED</returncode><messageKey>{MARKER}</messageKey></response>".encode()

    def route(_: Hit) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/xml"}, body

    receiver.routes["/bigbluebutton/api/create"] = route


def test_provider_answers_are_logged_not_shown(tmp_path: Path) -> None:
    """Allowed to reach loopback, a provider's error body reaches the server log, never an API answer."""
    receiver = Receiver()
    _refusing_bbb(receiver)
    srv = start_server(stack_database_url(tmp_path), tmp_path, {**stack_env(), "UNCONF_FETCH_ALLOW_PRIVATE": "true"})
    try:
        video = {
            "provider": "bbb",
            "config": {"base_url": receiver.url("/bigbluebutton/api")},
            "secrets": {"shared_secret": BBB_SECRET},
        }
        sc = published(srv, tier="paid", sessions=2, video=video)
        try:
            assert receiver.at("/bigbluebutton/api/create"), "the loopback provider was called (allowed here)"
            pid = sc.agenda["sessions"][0]["proposal_id"]
            join = sc.attendee_for(pid).get(
                f"/e/{sc.ev.slug}/s/{pid}/join", follow_redirects=False, headers={"x-unconf-fetch": "1"}
            )
            assert join.status_code == 503 and join.json()["error"] == "video_unavailable"
            settings = _settings(sc.ev.organizer, sc.ev.url("/video"))
            assert settings["last_error"], "organizers learn that the provider refused"
            for text in (join.text, str(settings), sc.ev.organizer.get(sc.ev.url("/agenda")).text):
                assert MARKER not in text
        finally:
            sc.close()
    finally:
        srv.stop()
        receiver.close()
    assert MARKER in srv.log(), "the operator can read what the provider said"


def test_a_stored_private_provider_is_not_called_at_publish(tmp_path: Path) -> None:
    """Settings saved while private addresses were allowed (or a name that now resolves to one) are
    checked again when the server calls them: after the operator turns the permission off, publishing
    and joining make no request to the loopback provider and show nothing it would have said."""
    receiver = Receiver()
    _refusing_bbb(receiver)
    database = stack_database_url(tmp_path)
    allowed = start_server(database, tmp_path, {**stack_env(), "UNCONF_FETCH_ALLOW_PRIVATE": "true"})
    port = int(allowed.base_url.rsplit(":", 1)[1])
    sc = published(allowed, tier="paid", sessions=2)
    strict: Server | None = None
    try:
        video = {
            "provider": "bbb",
            "config": {"base_url": receiver.url("/bigbluebutton/api")},
            "secrets": {"shared_secret": BBB_SECRET},
        }
        r = sc.ev.organizer.put(sc.ev.url("/video"), json=video)
        assert r.status_code == 200, r.text
        allowed.stop()
        calls_before = len(receiver.hits)
        strict = start_server(database, tmp_path, stack_env(), port=port)
        r = sc.ev.organizer.post(sc.ev.url("/agenda/build"), json={"time_limit": 0.5, "seed": 2})
        assert r.status_code == 201, r.text
        r = sc.ev.organizer.post(sc.ev.url("/agenda/publish"))
        assert r.status_code == 201, r.text
        pid = sc.ev.organizer.get(sc.ev.url("/agenda")).json()["sessions"][0]["proposal_id"]
        join = sc.attendee_for(pid).get(
            f"/e/{sc.ev.slug}/s/{pid}/join", follow_redirects=False, headers={"x-unconf-fetch": "1"}
        )
        assert join.status_code == 503 and join.json()["error"] == "video_unavailable", join.text
        assert set(join.json()) >= {"error", "detail", "field"}
        settings = _settings(sc.ev.organizer, sc.ev.url("/video"))
        assert "private" in settings["last_error"], settings["last_error"]  # in the event's language
        # The joiner reads why in their own language.
        spanish = sc.attendee_for(pid).get(
            f"/e/{sc.ev.slug}/s/{pid}/join",
            follow_redirects=False,
            headers={"x-unconf-fetch": "1", "Accept-Language": "es"},
        )
        assert spanish.status_code == 503 and spanish.json()["error"] == "video_unavailable", spanish.text
        assert "BigBlueButton: config.base_url apunta a una dirección privada" in spanish.json()["detail"], spanish.text
        assert MARKER not in join.text + spanish.text + str(settings)
        assert len(receiver.hits) == calls_before, "no request reached the loopback provider"
        agenda = sc.ev.organizer.get(sc.ev.url("/agenda"))
        assert agenda.status_code == 200 and agenda.json()["sessions"], "the agenda stays published"
    finally:
        sc.close()
        (strict or allowed).stop()
        receiver.close()
    assert "Traceback" not in strict.log(), strict.log()[-5000:]


@pytest.mark.parametrize(
    "template",
    [
        "https://v.test/{room_id:>50000000}",
        "https://v.test/{room:>50000000}",
        "https://v.test/{event:x^99999999}",
        "https://v.test/{room!r}",
        "https://v.test/{room.__class__}",
        "https://v.test/{room_id[0]}",
        "https://v.test/{}",
        "https://v.test/{0}",
    ],
)
def test_templates_take_only_plain_placeholders(server: Server, template: str) -> None:
    ev = make_event(server)
    try:
        before = _settings(ev.organizer, ev.url("/video"))
        r = ev.organizer.put(ev.url("/video"), json={"provider": "static", "config": {"template": template}})
        assert r.status_code == 400, r.text
        assert r.json()["field"] == "config.template" and r.json()["error"] == "validation_failed"
        assert len(r.content) < 2000
        assert _settings(ev.organizer, ev.url("/video")) == before, "nothing was saved"
        with server.client() as anon:
            body = {"title": "E", "start_date": "2099-01-01", "organizer_name": "O"}
            r = anon.post("/api/v1/edcamps", json={**body, "video_provider": "static", "video_template": template})
            assert r.status_code == 400 and r.json()["field"] == "video_template", r.text
        ok = {"provider": "static", "config": {"template": "https://v.test/{event}/{room}-{room_id}"}}
        assert ev.organizer.put(ev.url("/video"), json=ok).status_code == 200, "plain placeholders still work"
    finally:
        ev.organizer.close()
