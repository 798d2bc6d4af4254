"""Provider URLs and tokens against the documented algorithms (no server needed)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest

from rooms.video import REGISTRY, Joiner, Meeting, MeetingSpec, get_provider
from rooms.video.bbb import checksum, signed_url
from unconf.errors import ValidationFailed

DOC_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
DOC_QUERY = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
SPEC = MeetingSpec(event_slug="edcamp-x", event_title="Edcamp X", key="s:1", title="Robots", room_name="Room A")


def test_registry_names_every_builtin_provider() -> None:
    assert {"jitsi", "bbb", "whereby", "static"} <= set(REGISTRY)


def test_bbb_checksum_matches_the_api_documentation_example() -> None:
    """BigBlueButton API docs, 'Usage': create with this query and secret has this SHA-1 checksum."""
    assert checksum("create", DOC_QUERY, DOC_SECRET) == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    params = [("name", "Test Meeting"), ("meetingID", "abc123"), ("attendeePW", "111222"), ("moderatorPW", "333444")]
    url = signed_url("https://bbb.example.com/bigbluebutton/api/", "create", params, DOC_SECRET, "sha1")
    assert url == (
        "https://bbb.example.com/bigbluebutton/api/create?"
        + DOC_QUERY
        + "&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )


def test_bbb_sha256_is_the_same_rule_with_another_hash() -> None:
    expected = hashlib.sha256(f"create{DOC_QUERY}{DOC_SECRET}".encode()).hexdigest()
    assert checksum("create", DOC_QUERY, DOC_SECRET, "sha256") == expected
    assert len(expected) == 64


def _bbb(algorithm: str = "sha1"):  # type: ignore[no-untyped-def]
    return get_provider(
        "bbb",
        {"base_url": "https://bbb.example.com/bigbluebutton/api", "checksum": algorithm},
        {"shared_secret": DOC_SECRET},
    )


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_bbb_join_urls_are_signed_per_person_and_role(algorithm: str) -> None:
    provider = _bbb(algorithm)
    meeting = Meeting(meeting_id="m-1", url="", data={"attendee_pw": "ap", "moderator_pw": "mp", "name": "x"})
    for moderator, role, pw in ((True, "MODERATOR", "mp"), (False, "VIEWER", "ap")):
        url = provider.join_url(meeting, Joiner(participant_id=7, display_name="Ada Lovelace", moderator=moderator))
        parts = urlsplit(url)
        assert parts.path == "/bigbluebutton/api/join"
        query, _, given = parts.query.rpartition("&checksum=")
        assert given == hashlib.new(algorithm, f"join{query}{DOC_SECRET}".encode()).hexdigest()
        params = dict(parse_qsl(query))
        assert params == {
            "fullName": "Ada Lovelace",
            "meetingID": "m-1",
            "password": pw,
            "role": role,
            "userID": "7",
            "redirect": "true",
        }


def test_jitsi_room_names_are_unguessable_and_unique() -> None:
    provider = get_provider("jitsi", {}, {})
    names = {asyncio.run(provider.create_meeting(SPEC)).meeting_id for _ in range(50)}
    assert len(names) == 50
    for name in names:
        random_part = name.rsplit("-", 1)[1]
        assert re.fullmatch(r"[0-9a-f]{40}", random_part), "160 random bits, lowercase for Jitsi"
    url = provider.join_url(
        Meeting(meeting_id="r", url="https://meet.jit.si/r"),
        Joiner(participant_id=1, display_name='Zoë "Z"', moderator=False),
    )
    assert url == "https://meet.jit.si/r#userInfo.displayName=%22Zo%C3%AB%20%5C%22Z%5C%22%22"


def test_jitsi_jwt_verifies_with_pyjwt_and_names_the_moderator() -> None:
    secret = "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret"
    provider = get_provider(
        "jitsi",
        {"base_url": "https://meet.example.org", "token_auth": True, "app_id": "unconf", "audience": "jitsi"},
        {"app_secret": secret},
    )
    meeting = asyncio.run(provider.create_meeting(SPEC))
    for moderator in (True, False):
        url = provider.join_url(meeting, Joiner(participant_id=5, display_name="Fran", moderator=moderator))
        base, _, token = url.partition("?jwt=")
        assert base == f"https://meet.example.org/{meeting.meeting_id}"
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience="jitsi", issuer="unconf")
        assert claims["sub"] == "meet.example.org"
        assert claims["room"] == meeting.meeting_id
        assert claims["moderator"] is moderator
        assert claims["context"]["user"] == {
            "name": "Fran",
            "id": "5",
            "moderator": moderator,
            "affiliation": "owner" if moderator else "member",
        }
        assert claims["nbf"] <= datetime.now(UTC).timestamp() < claims["exp"]
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, "another-secret-entirely-another-secret", algorithms=["HS256"], audience="jitsi")


def test_static_links_fill_the_template_or_use_the_room_link() -> None:
    provider = get_provider("static", {"template": "https://meet.example.org/{event}-{room}"}, {})
    made = asyncio.run(provider.create_meeting(SPEC))
    assert made.url == "https://meet.example.org/edcamp-x-room-a"
    own = MeetingSpec(**{**{f: getattr(SPEC, f) for f in SPEC.__struct_fields__}, "room_link": "https://x.org/a"})
    assert asyncio.run(provider.create_meeting(own)).url == "https://x.org/a"


@pytest.mark.parametrize(
    ("name", "config", "secrets", "field"),
    [
        ("zoom", {}, {}, "provider"),
        ("jitsi", {"base_url": "ftp://x"}, {}, "config.base_url"),
        ("jitsi", {"colour": "red"}, {}, "config.colour"),
        ("jitsi", {"token_auth": True, "app_id": "a"}, {"app_secret": "short"}, "secrets.app_secret"),
        ("jitsi", {"token_auth": True}, {"app_secret": "x" * 40}, "config.app_id"),
        ("jitsi", {"base_url": "http://meet.example.org"}, {}, "config.base_url"),
        (
            "bbb",
            {"base_url": "https://b.example/bigbluebutton/api", "checksum": "md5"},
            {"shared_secret": "x" * 9},
            "config.checksum",
        ),
        ("bbb", {"base_url": "https://b.example/bigbluebutton/api"}, {}, "secrets.shared_secret"),
        ("bbb", {}, {"shared_secret": "x" * 9}, "config.base_url"),
        ("whereby", {}, {}, "secrets.api_key"),
        ("static", {"template": "https://m.example/{secret}"}, {}, "config.template"),
        ("static", {"template": "javascript:{room}"}, {}, "config.template"),
    ],
)
def test_bad_provider_settings_name_the_field(name: str, config: dict, secrets: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        get_provider(name, config, secrets)
    assert caught.value.field == field
