"""`unconf export` / `unconf import`: a full event round-trips without loss; bad files change nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from exports.transfer import CARRIED, FORMAT_VERSION
from exports.transfer_scope import left_out
from tests.helpers import (
    REPO,
    EventHandle,
    Server,
    make_event,
    run_cli,
    stack_database_url,
    stack_env,
    start_server,
)
from tests.notify.loopback import Receiver, fails_then_ok, ok, upload, wait_for

SAMPLE = REPO / "examples" / "edcamp-riverside.json"


def db_env(path: Path) -> dict[str, str]:
    return {"UNCONF_DATABASE_URL": f"sqlite:///{path}"}


def test_sample_imports_and_exports_identically(tmp_path: Path) -> None:
    env = db_env(tmp_path / "a.sqlite")
    imported = run_cli("import", str(SAMPLE), env=env)
    assert imported.returncode == 0, imported.stderr.decode()
    assert b"organizer key for Dana Whitfield" in imported.stderr
    exported = run_cli("export", "edcamp-riverside", env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    original, again = json.loads(SAMPLE.read_bytes()), json.loads(exported.stdout)
    # The sample has no key for its organizer (the import makes one); everything else is identical.
    assert original["participants"][0]["token_hash"] is None
    assert len(again["participants"][0]["token_hash"]) == 64
    again["participants"][0]["token_hash"] = None
    assert again == original
    assert len(original["proposals"]) == 60 and len(original["participants"]) == 251
    assert len(original["rooms"]) == 8
    assert [s["kind"] for s in original["slots"]].count("breakout") == 4


def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    first = db_env(tmp_path / "first.sqlite")
    assert run_cli("import", str(SAMPLE), env=first).returncode == 0
    one = run_cli("export", "edcamp-riverside", env=first).stdout
    second = db_env(tmp_path / "second.sqlite")
    loaded = run_cli("import", "-", env=second, stdin=one)
    assert loaded.returncode == 0, loaded.stderr.decode()
    assert b"organizer key" not in loaded.stderr, "keys travel as hashes: no new key is made"
    two = run_cli("export", "edcamp-riverside", env=second).stdout
    assert one == two


def test_imported_event_is_live_with_the_same_keys(tmp_path: Path) -> None:
    env = db_env(tmp_path / "live.sqlite")
    imported = run_cli("import", str(SAMPLE), "--slug", "riverside-copy", env=env)
    key = imported.stderr.decode().rsplit(": ", 1)[1].strip()
    srv = start_server(env["UNCONF_DATABASE_URL"], tmp_path)
    try:
        with srv.client(key) as organizer:
            me = organizer.get("/api/v1/events/riverside-copy/me")
            assert me.status_code == 200 and me.json()["participant"]["role"] == "organizer"
            agenda = organizer.get("/api/v1/events/riverside-copy/agenda").json()
            assert agenda["version"] == 1 and len(agenda["sessions"]) == 32
    finally:
        srv.stop()


def mutate(data: dict, path: str, value: object) -> dict:
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


BAD_FILES = [
    ("not json", None, "not valid JSON"),
    ("wrong format", ("format", "something/v9"), "format"),
    ("vote to unknown proposal", ("votes.5.proposal", "p9999"), "votes[5].proposal"),
    ("facilitator unknown", ("proposals.3.facilitators", ["u99999"]), "proposals[3].facilitators[0]"),
    ("duplicate ref", ("rooms.1.ref", "r1"), "rooms[1].ref"),
    ("bad timezone", ("event.timezone", "Nowhere/Land"), "timezone"),
    ("title with NUL", ("proposals.0.title", "a\u0000b"), "NUL character"),
    ("title with a bell", ("proposals.0.title", "ring\u0007"), "proposals[0].title"),
    ("placement to unknown room", ("agendas.0.placements.0.room", "r99"), "agendas[0].placements[0].room"),
    ("negative capacity", ("rooms.0.capacity", -5), "rooms"),
    ("overspent dots", ("event.settings.dots_per_participant", 1), "votes"),
]


@pytest.mark.parametrize(("what", "change", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_import_writes_nothing(tmp_path: Path, what: str, change: tuple | None, message: str) -> None:
    env = db_env(tmp_path / "bad.sqlite")
    assert run_cli("migrate", "--quiet", env=env).returncode == 0
    if change is None:
        raw = SAMPLE.read_bytes()[:5000]
    else:
        raw = json.dumps(mutate(json.loads(SAMPLE.read_bytes()), *change)).encode()
    result = run_cli("import", "-", env=env, stdin=raw)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "nothing was written" in err and message in err and "Traceback" not in err
    missing = run_cli("export", "edcamp-riverside", env=env)
    assert missing.returncode == 2 and b"no event" in missing.stderr


def test_import_refuses_an_existing_slug(tmp_path: Path) -> None:
    env = db_env(tmp_path / "dup.sqlite")
    assert run_cli("import", str(SAMPLE), env=env).returncode == 0
    again = run_cli("import", str(SAMPLE), env=env)
    assert again.returncode == 2 and b"exists already" in again.stderr
    assert run_cli("import", str(SAMPLE), "--slug", "riverside-2", env=env).returncode == 0


# --- every table: an event made through the API, exported, imported, exported again -------------------------------

DAY = "2030-03-13"
PEOPLE_CSV = (
    b"First name,Last name,Email,Member ID\n"
    b"Mary,Jackson,mary.jackson@school.example,R-1001\n"
    b"Dorothy,Vaughan,dorothy.vaughan@school.example,R-1002\n"
    b"Katherine,Johnson,katherine.johnson@school.example,R-1003\n"
)
PEOPLE_MAPPING = '{"email": "Email", "first_name": "First name", "last_name": "Last name", "external_id": "Member ID"}'
JITSI_SECRET = "a-jitsi-app-secret-of-at-least-32-characters"


@dataclass
class FullEvent:
    """One event with rows in every table, and what the tests need to read it back."""

    server: Server
    slug: str
    organizer_key: str
    ada_key: str
    feed_path: str
    noted_proposal: int
    with_secrets: bytes
    without_secrets: bytes

    def cli_env(self) -> dict[str, str]:
        return {"UNCONF_DATABASE_URL": self.server.database_url}


def _call(client: httpx.Client, method: str, path: str, expect: int, **kwargs: Any) -> Any:
    r = client.request(method, path, **kwargs)
    assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text[:500]}"
    return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else None


def _settle(ev: EventHandle) -> None:
    """Wait until the worker has finished every outbox row of the event."""

    def done() -> bool:
        rows = ev.organizer.get(ev.url("/notifications/deliveries")).json()
        return bool(rows) and all(r["status"] != "pending" for r in rows)

    wait_for(f"the outbox of {ev.slug} to settle", done)


def _build(server: Server, receiver: Receiver) -> tuple[EventHandle, dict[str, str], str, int]:
    """A whole morning through the API, as tests/fixtures/legacy/make_legacy_fixture.py makes it."""
    ev = make_event(
        server,
        title="Edcamp Transfer",
        start_date=DAY,
        timezone="America/Chicago",
        organizer_email="olga@school.example",
        settings={"dots_per_participant": 5, "allow_stacking": True, "late_proposals": False},
    )
    org = ev.organizer
    receiver.routes["/ok"] = ok
    receiver.routes["/flaky"] = fails_then_ok(1)
    hook = _call(org, "POST", ev.url("/webhooks"), 201, json={"url": receiver.url("/ok"), "description": "Dashboard"})
    _call(
        org,
        "POST",
        ev.url("/webhooks"),
        201,
        json={"url": receiver.url("/flaky"), "format": "slack", "types": ["agenda.published"]},
    )
    _call(org, "POST", ev.url(f"/webhooks/{hook['webhook']['id']}/test"), 202)
    rooms = [
        _call(org, "POST", ev.url("/rooms"), 201, json=spec)
        for spec in (
            {"name": "Main Hall", "capacity": 120, "kind": "hybrid", "features": ["projector"]},
            {"name": "Library", "capacity": 30, "accessibility_notes": "Step-free by the east door."},
        )
    ]
    slots = [
        _call(org, "POST", ev.url("/slots"), 201, json=spec)
        for spec in (
            {"starts_at": f"{DAY}T08:30", "ends_at": f"{DAY}T09:00", "kind": "plenary", "label": "Opening"},
            {"starts_at": f"{DAY}T09:15", "ends_at": f"{DAY}T10:00"},
            {"starts_at": f"{DAY}T10:15", "ends_at": f"{DAY}T11:00"},
        )
    ]
    video = {
        "provider": "jitsi",
        "config": {"base_url": "https://meet.example.org", "token_auth": True, "app_id": "edcamp"},
        "secrets": {"app_secret": JITSI_SECRET},
        "main_room_id": rooms[0]["id"],
    }
    _call(org, "PUT", ev.url("/video"), 200, json=video)
    autopilot = {
        "proposals_until": f"{DAY}T08:00",
        "voting_until": f"{DAY}T08:20",
        "publish_at": f"{DAY}T08:25",
        "hold_for_review": True,
        "time_limit": 1.0,
    }
    _call(org, "PUT", ev.url("/autopilot"), 200, json=autopilot)
    ev.phase("proposals")
    ada_client, ada = ev.join("Ada Lovelace")
    grace_client, grace = ev.join("Grace Hopper")
    upload(ev, "import", PEOPLE_CSV, mapping=PEOPLE_MAPPING)
    status = _call(org, "GET", ev.url("/invitations"), 200)
    imported = {p["email"]: p["participant_id"] for p in status if p["source"] == "csv"}
    mary, dorothy, katherine = (
        imported[f"{n}@school.example"] for n in ("mary.jackson", "dorothy.vaughan", "katherine.johnson")
    )
    links = _call(org, "POST", ev.url("/invitations/links"), 201, json={"participant_ids": [mary, dorothy]})
    codes = {item["participant_id"]: item["link"].split("code=", 1)[1] for item in links["links"]}
    with server.client() as anon:
        mary_token = _call(anon, "POST", ev.url("/invitations/redeem"), 201, json={"code": codes[mary]})["token"]
    _call(org, "POST", ev.url(f"/invitations/{katherine}/revoke"), 200, json={"sign_out": False})
    proposals = [
        _call(ada_client, "POST", ev.url("/proposals"), 201, json={"title": "Unplugged computing", "tags": ["cs"]}),
        _call(
            grace_client,
            "POST",
            ev.url("/proposals"),
            201,
            json={"title": "Debugging as a habit", "needs": ["projector"], "facilitator_ids": [grace["id"], ada["id"]]},
        ),
        _call(grace_client, "POST", ev.url("/proposals"), 201, json={"title": "Debugging, a twin"}),
    ]
    with server.client(mary_token) as mary_client:
        proposals.append(_call(mary_client, "POST", ev.url("/proposals"), 201, json={"title": "Maths clubs"}))
    _call(org, "POST", ev.url(f"/proposals/{proposals[2]['id']}/merge"), 200, json={"into": proposals[1]["id"]})
    ev.phase("voting")
    _settle(ev)
    _call(ada_client, "POST", ev.url("/votes"), 201, json={"proposal_id": proposals[1]["id"], "dots": 2})
    _call(grace_client, "POST", ev.url("/votes"), 201, json={"proposal_id": proposals[0]["id"]})
    _call(grace_client, "PUT", ev.url(f"/proposals/{proposals[0]['id']}/volunteer"), 200, json={"role": "notes"})
    _call(org, "POST", ev.url("/agenda/build"), 201, json={"time_limit": 0.5, "seed": 1})
    draft = _call(org, "GET", ev.url("/agenda/draft"), 200)
    for session in draft["sessions"]:
        _call(org, "DELETE", ev.url(f"/agenda/draft/sessions/{session['proposal_id']}"), 200)
    for proposal, slot, room in ((proposals[0], slots[1], rooms[1]), (proposals[1], slots[2], rooms[0])):
        place = {"slot_id": slot["id"], "room_id": room["id"], "pinned": True}
        _call(org, "PUT", ev.url(f"/agenda/draft/sessions/{proposal['id']}"), 200, json=place)
    _call(org, "POST", ev.url("/agenda/publish"), 201)
    _settle(ev)
    place = {"slot_id": slots[2]["id"], "room_id": rooms[1]["id"], "pinned": False}
    _call(org, "PUT", ev.url(f"/agenda/draft/sessions/{proposals[3]['id']}"), 200, json=place)
    _call(org, "POST", ev.url("/agenda/publish"), 201)
    _settle(ev)
    for pid in (proposals[0]["id"], proposals[1]["id"], proposals[3]["id"]):
        _call(ada_client, "PUT", ev.url(f"/stars/{pid}"), 200)
    _call(ada_client, "DELETE", ev.url(f"/stars/{proposals[3]['id']}"), 200)
    feed = _call(ada_client, "POST", ev.url("/feed"), 201)
    feed_path = "/" + feed["https_url"].split("://", 1)[1].split("/", 1)[1]
    _call(ada_client, "GET", feed_path, 200)
    notes = ev.url(f"/sessions/{proposals[0]['id']}/notes")
    _call(ada_client, "PUT", notes, 200, json={"base_revision": 0, "text": "# Unplugged\n\n- sorting networks"})
    _call(grace_client, "PUT", notes, 200, json={"base_revision": 1, "text": "# Unplugged\n\n- binary bracelets"})
    ev.phase("running")
    _call(ada_client, "POST", ev.url(f"/sessions/{proposals[0]['id']}/checkin"), 200)
    _call(grace_client, "POST", ev.url("/main/checkin"), 200)
    _call(grace_client, "POST", ev.url(f"/sessions/{proposals[1]['id']}/checkin"), 200)
    _call(org, "POST", ev.url("/notifications/email"), 202, json={"message": "agenda_published"})
    _call(org, "POST", ev.url("/invitations/send"), 202, json={"participant_ids": [dorothy]})
    _settle(ev)
    ada_client.close()
    grace_client.close()
    return ev, {"ada": ada_client.headers["authorization"].split(" ", 1)[1]}, feed_path, proposals[0]["id"]


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullEvent]:
    tmp = tmp_path_factory.mktemp("transfer")
    extra = {"UNCONF_MAIL_DRY_RUN_DIR": str(tmp / "mail"), "UNCONF_FETCH_ALLOW_PRIVATE": "true"}
    server = start_server(stack_database_url(tmp), tmp, {**stack_env(), **extra})
    receiver = Receiver()
    try:
        ev, keys, feed_path, noted = _build(server, receiver)
        env = {"UNCONF_DATABASE_URL": server.database_url}
        secret = run_cli("export", ev.slug, "--with-secrets", env=env)
        assert secret.returncode == 0, secret.stderr.decode()
        assert b"keep it safe" in secret.stderr
        plain = run_cli("export", ev.slug, env=env)
        assert plain.returncode == 0, plain.stderr.decode()
        yield FullEvent(server, ev.slug, ev.organizer_key, keys["ada"], feed_path, noted, secret.stdout, plain.stdout)
        ev.organizer.close()
    finally:
        receiver.close()
        server.stop()
    assert "Traceback" not in server.log(), server.log()[-5000:]


def section(data: dict[str, Any], path: str) -> list[Any]:
    """The rows of a CARRIED section such as ``agendas[].placements``."""
    rows: list[Any] = [data]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        values = [row[key] for row in rows]
        rows = [v for value in values for v in (value if isinstance(value, list) else [value]) if v is not None]
        if many:
            rows = [item for row in rows for item in (row if isinstance(row, list) else [row])]
    return rows


def test_every_table_is_carried_or_named_as_left_out() -> None:
    """A new table or column fails here until the file carries it or says why not."""
    from piccolo_conf import APP_REGISTRY

    left = left_out(with_secrets=False)
    tables = [t for app in APP_REGISTRY.app_configs.values() for t in app.table_classes]
    assert len(tables) >= 21
    for table in tables:
        name = table._meta.tablename
        carried = CARRIED.get(table)
        named = [item for item in left if item.table == name]
        assert carried is not None or named, f"table {name} is neither carried by the event file nor named in left_out"
        if carried is None:
            continue
        fields = {f for struct in carried.structs for f in struct.__struct_fields__} | carried.implied
        columns_left_out = {item.what.split(".", 1)[1] for item in named if item.what.startswith(f"{name}.")}
        for column in table._meta.columns:
            col = column._meta.name
            assert col in {"id", "event"} | fields | columns_left_out, (
                f"{name}.{col} is neither carried by the event file nor named in left_out"
            )


def test_full_event_has_rows_in_every_table(full: FullEvent) -> None:
    data = json.loads(full.with_secrets)
    assert data["format_version"] == FORMAT_VERSION and data["secrets_included"] is True
    for carried in CARRIED.values():
        assert section(data, carried.section), f"the test event has no rows in {carried.section}"
    assert len(data["notes"]) == 2 and {d["status"] for d in data["deliveries"]} <= {"delivered", "failed", "cancelled"}
    assert any(len(d["tries"]) > 1 for d in data["deliveries"]), "the flaky webhook's retry is in the history"


def test_without_secrets_the_file_says_what_it_left_out(full: FullEvent) -> None:
    data = json.loads(full.without_secrets)
    assert data["secrets_included"] is False
    named = {item["what"] for item in data["left_out"]}
    assert {"video_settings.secrets", "video_link rows", "webhook_endpoint rows", "outbox.dedupe_key"} <= named
    assert data["video"]["secrets"] is None and data["video"]["config"]["app_id"] == "edcamp"
    assert data["video_links"] == [] and data["webhooks"] == []
    assert data["deliveries"] and all(d["endpoint"] is None for d in data["deliveries"])
    assert JITSI_SECRET.encode() not in full.without_secrets and b"whsec_" not in full.without_secrets
    secret = json.loads(full.with_secrets)
    assert secret["video"]["secrets"] == {"app_secret": JITSI_SECRET}
    assert {w["format"] for w in secret["webhooks"]} == {"generic", "slack"}
    # Everything but the secrets is the same in both files.
    for key in ("participants", "proposals", "votes", "agendas", "notes", "stars", "registrants", "room_visits"):
        assert data[key] == secret[key], key
    help_text = run_cli("export", "--help").stdout.decode()
    assert "--with-secrets" in help_text and "video_link rows" in help_text and "outbox rows still pending" in help_text


def _without(data: dict[str, Any], *paths: str) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    for path in paths:
        *parents, last = path.split(".")
        targets = [data]
        for part in parents:
            targets = [t for x in targets for t in (x[part] if isinstance(x[part], list) else [x[part]])]
        for t in targets:
            t.pop(last, None)
    return data


def test_moved_to_another_database_everything_is_equal_and_keys_keep_working(full: FullEvent, tmp_path: Path) -> None:
    """A server move: import under a new slug elsewhere; the export is the same file, ids remapped."""
    url = stack_database_url(tmp_path / "moved")
    (tmp_path / "moved").mkdir(exist_ok=True)
    env = {"UNCONF_DATABASE_URL": url}
    loaded = run_cli("import", "-", "--slug", "moved", env=env, stdin=full.with_secrets)
    assert loaded.returncode == 0, loaded.stderr.decode()
    assert b"organizer key" not in loaded.stderr
    again = run_cli("export", "moved", "--with-secrets", env=env)
    assert again.returncode == 0, again.stderr.decode()
    one, two = json.loads(full.with_secrets), json.loads(again.stdout)
    assert two["event"].pop("slug") == "moved"
    one["event"].pop("slug")
    assert one == two
    srv = start_server(url, tmp_path, stack_env())
    try:
        with srv.client(full.organizer_key) as org, srv.client(full.ada_key) as ada:
            base = "/api/v1/events/moved"
            agenda = _call(org, "GET", f"{base}/agenda", 200)
            assert agenda["version"] == 2 and len(agenda["sessions"]) == 3
            revisions = _call(ada, "GET", f"{base}/sessions/{full.noted_proposal}/notes/revisions", 200)
            assert [r["revision"] for r in revisions] == [1, 2]
            notes = _call(ada, "GET", f"{base}/sessions/{full.noted_proposal}/notes", 200)
            assert "binary bracelets" in notes["text"]
            stars = _call(ada, "GET", f"{base}/stars", 200)
            assert len(stars if isinstance(stars, list) else stars["proposal_ids"]) == 2
            invitations = _call(org, "GET", f"{base}/invitations", 200)
            by_source = sorted((p["source"], bool(p["redeemed_at"]), bool(p["revoked_at"])) for p in invitations)
            assert ("csv", True, False) in by_source and ("csv", False, True) in by_source
            hooks = _call(org, "GET", f"{base}/webhooks", 200)
            assert sorted(h["format"] for h in hooks) == ["generic", "slack"]
            assert all(h["secret_hint"] for h in hooks if h["format"] == "generic")
            deliveries = _call(org, "GET", f"{base}/notifications/deliveries", 200)
            assert deliveries and all(d["status"] != "pending" for d in deliveries)
            video = _call(org, "GET", f"{base}/video", 200)
            assert video["provider"] == "jitsi" and video["secrets_set"] == ["app_secret"]
            pilot = _call(org, "GET", f"{base}/autopilot", 200)
            assert pilot["hold_for_review"] is True
            feed = srv.client().get(full.feed_path.replace(f"/e/{full.slug}/", "/e/moved/"))
            assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content
    finally:
        srv.stop()
    assert "Traceback" not in srv.log()


def test_copy_beside_its_original_gets_its_own_secrets(full: FullEvent) -> None:
    """In the same database the copy cannot share keys, invitation links or feeds; all else is equal."""
    env = full.cli_env()
    loaded = run_cli("import", "-", "--slug", "copy-of-transfer", env=env, stdin=full.with_secrets)
    assert loaded.returncode == 0, loaded.stderr.decode()
    key = loaded.stderr.decode().rsplit("organizer key for Olga Organizer: ", 1)[1].strip()
    again = run_cli("export", "copy-of-transfer", "--with-secrets", env=env)
    one, two = json.loads(full.with_secrets), json.loads(again.stdout)
    assert all(
        a["token_hash"] != b["token_hash"] for a, b in zip(one["participants"], two["participants"], strict=True)
    )
    assert two["calendar_feeds"] == [] and one["calendar_feeds"]
    assert all(r["code_hash"] is None for r in two["registrants"])
    assert any(r["code_hash"] for r in one["registrants"]), "an unused invitation link travels as a hash"
    assert one["event"]["join_code"] != two["event"]["join_code"]
    drop = ("event.slug", "event.join_code", "participants.token_hash", "registrants.code_hash", "calendar_feeds")
    assert _without(one, *drop) == _without(two, *drop)
    with full.server.client(key) as org:
        agenda = _call(org, "GET", "/api/v1/events/copy-of-transfer/agenda", 200)
        assert agenda["version"] == 2
        assert len(_call(org, "GET", "/api/v1/events/copy-of-transfer/webhooks", 200)) == 2


def _times(a: Any, b: Any, path: str = "$") -> Iterator[tuple[str, str, str]]:
    if isinstance(a, dict):
        for k in a:
            yield from _times(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _times(x, y, f"{path}[{i}]")
    elif isinstance(a, str) and re.fullmatch(r"\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d))?", a):
        yield path, a, b


def test_shift_to_moves_every_timestamp_by_the_same_days(full: FullEvent, tmp_path: Path) -> None:
    env = {"UNCONF_DATABASE_URL": stack_database_url(tmp_path)}
    shifted = run_cli("import", "-", "--slug", "later", "--shift-to", "2030-03-20", env=env, stdin=full.with_secrets)
    assert shifted.returncode == 0, shifted.stderr.decode()
    one, two = json.loads(full.with_secrets), json.loads(run_cli("export", "later", "--with-secrets", env=env).stdout)
    seen = 0
    for path, before, after in _times(one, two):
        if len(before) == 10:
            assert date.fromisoformat(after) - date.fromisoformat(before) == timedelta(days=7), path
        else:
            moved = datetime.fromisoformat(after) - datetime.fromisoformat(before)
            assert moved == timedelta(days=7), (path, before, after)
        seen += 1
    assert seen > 50


def test_a_file_that_fails_halfway_leaves_nothing_behind(full: FullEvent) -> None:
    """The paid-only provider is refused after people, proposals and agendas were written: all of it goes."""
    env = full.cli_env()
    before = _row_counts(env)
    data = json.loads(full.with_secrets)
    data["video"]["provider"] = "whereby"
    data["video"]["config"], data["video"]["secrets"] = {}, {"api_key": "a-whereby-key"}
    result = run_cli("import", "-", "--slug", "half-way", env=env, stdin=json.dumps(data).encode())
    assert result.returncode == 2, result.stderr.decode()
    assert b"nothing was written" in result.stderr and b"video.provider" in result.stderr
    assert _row_counts(env) == before
    assert run_cli("export", "half-way", env=env).returncode == 2


def _row_counts(env: dict[str, str]) -> dict[str, int]:
    script = (
        "import asyncio, json\n"
        "from piccolo.conf.apps import Finder\n"
        "async def main():\n"
        "    return {t._meta.tablename: await t.count() for t in Finder().get_table_classes()}\n"
        "print(json.dumps(asyncio.run(main())))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env={**os.environ, **env}, capture_output=True, timeout=120
    )
    assert out.returncode == 0, out.stderr.decode()
    counts: dict[str, int] = json.loads(out.stdout)
    return counts


def test_a_version_1_file_without_the_new_sections_still_imports(tmp_path: Path) -> None:
    sample = json.loads(SAMPLE.read_bytes())
    old = {
        k: v
        for k, v in json.loads(SAMPLE.read_bytes()).items()
        if k in ("format", "event", "participants", "rooms", "slots", "proposals", "votes", "agendas")
    }
    for agenda in old["agendas"]:
        agenda.pop("ref")
    env = db_env(tmp_path / "v1.sqlite")
    loaded = run_cli("import", "-", env=env, stdin=json.dumps(old).encode())
    assert loaded.returncode == 0, loaded.stderr.decode()
    again = json.loads(run_cli("export", "edcamp-riverside", env=env).stdout)
    again["participants"][0]["token_hash"] = None
    assert again == sample


NEW_BAD_FILES = [
    ("format from the future", ("format_version", 99), "format_version"),
    ("note to unknown proposal", ("notes", [{"proposal": "p9999", "revision": 1}]), "notes[0].proposal"),
    ("star by unknown person", ("stars", [{"participant": "u0", "proposal": "p1"}]), "stars[0].participant"),
    (
        "registrant twice",
        ("registrants", [{"participant": "u2", "email_key": "a@x.org"}, {"participant": "u2", "email_key": "b@x.org"}]),
        "registrants[1].participant",
    ),
    (
        "pending delivery",
        ("deliveries", [{"channel": "email", "kind": "x", "status": "pending"}]),
        "deliveries[0].status",
    ),
    ("webhook to a file", ("webhooks", [{"ref": "w1", "url": "file:///etc/passwd"}]), "webhooks[0].url"),
    ("unknown provider", ("video", {"provider": "zoom"}), "video.provider"),
    ("bad provider config", ("video", {"provider": "jitsi", "config": {"token_minutes": 1}}), "video.config"),
    (
        "short provider secret",
        (
            "video",
            {"provider": "jitsi", "config": {"token_auth": True, "app_id": "x"}, "secrets": {"app_secret": "short"}},
        ),
        "video.secrets.app_secret",
    ),
    (
        "visit ends before it starts",
        ("room_visits", [{"started_at": "2026-03-14T10:00:00Z", "ended_at": "2026-03-14T09:00:00Z"}]),
        "room_visits[0].ended_at",
    ),
]


@pytest.mark.parametrize(("what", "change", "message"), NEW_BAD_FILES, ids=[b[0] for b in NEW_BAD_FILES])
def test_bad_new_sections_write_nothing(tmp_path: Path, what: str, change: tuple, message: str) -> None:
    env = db_env(tmp_path / "bad.sqlite")
    raw = json.dumps(mutate(json.loads(SAMPLE.read_bytes()), *change)).encode()
    result = run_cli("import", "-", env=env, stdin=raw)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "nothing was written" in err and message in err and "Traceback" not in err
    assert run_cli("export", "edcamp-riverside", env=env).returncode == 2
