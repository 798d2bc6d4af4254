"""BigBlueButton through its real API: ``create`` then a signed ``join`` URL per person.

Every call is signed as BigBlueButton's API documentation describes: the checksum is the hex
digest of ``callName + queryString + sharedSecret`` (SHA-1 by default; SHA-256 where the server
is configured for it), appended as ``&checksum=``. ``create`` is idempotent for one meetingID, and
BigBlueButton forgets meetings nobody joined within minutes, so we ``create`` again before each join.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Literal
from urllib.parse import urlencode
from xml.etree import ElementTree

import msgspec
from msgspec import Meta

from rooms.video.base import (
    Joiner,
    Meeting,
    MeetingSpec,
    ProviderError,
    VideoProvider,
    check_url,
    guard_call,
    http_client,
    register,
    unguessable,
    unreachable,
)
from unconf.errors import ValidationFailed
from unconf.http import log_remote_answer
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop

Algorithm = Literal["sha1", "sha256"]
MAX_RESPONSE = 1_000_000


def checksum(call: str, query: str, secret: str, algorithm: Algorithm = "sha1") -> str:
    """The documented rule, byte for byte: ``hash(call + query + secret)`` as lowercase hex."""
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def signed_url(base_url: str, call: str, params: list[tuple[str, str]], secret: str, algorithm: Algorithm) -> str:
    query = urlencode(params)
    return f"{base_url.rstrip('/')}/{call}?{query}&checksum={checksum(call, query, secret, algorithm)}"


class BBBConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    base_url: Annotated[str, Meta(min_length=1, max_length=300, description="…/bigbluebutton/api")]
    checksum: Algorithm = "sha1"
    record: bool = False


class BBBSecrets(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    shared_secret: Annotated[str, Meta(max_length=200)] = ""


@register
class BigBlueButton(VideoProvider):
    name = "bbb"
    label = "BigBlueButton"
    Config = BBBConfig
    Secrets = BBBSecrets
    calls = ("base_url",)
    notes = (gettext_noop("Find the API URL and shared secret with 'bbb-conf --secret' on your BigBlueButton server."),)
    config: BBBConfig
    secrets: BBBSecrets

    def check(self) -> None:
        check_url(self.config.base_url, "config.base_url")
        if len(self.secrets.shared_secret) < 8:
            raise ValidationFailed(
                _("BigBlueButton needs secrets.shared_secret (bbb-conf --secret)"), field="secrets.shared_secret"
            )

    def url(self, call: str, params: list[tuple[str, str]]) -> str:
        return signed_url(self.config.base_url, call, params, self.secrets.shared_secret, self.config.checksum)

    def create_params(self, meeting_id: str, name: str, data: dict[str, str]) -> list[tuple[str, str]]:
        return [
            ("name", name[:200] or meeting_id),
            ("meetingID", meeting_id),
            ("attendeePW", data["attendee_pw"]),
            ("moderatorPW", data["moderator_pw"]),
            ("record", "true" if self.config.record else "false"),
        ]

    async def _create(self, meeting_id: str, name: str, data: dict[str, str]) -> None:
        await guard_call(self.config.base_url, "config.base_url", "BigBlueButton")
        url = self.url("create", self.create_params(meeting_id, name, data))
        try:
            async with http_client() as client:
                response = await client.get(url)
        except Exception as exc:
            raise unreachable("BigBlueButton", exc) from exc
        body = response.content[:MAX_RESPONSE]
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as exc:
            log_remote_answer("BigBlueButton create", self.config.base_url, response)
            raise ProviderError(
                _("BigBlueButton answered {status} without XML").format(status=response.status_code)
            ) from exc
        if (root.findtext("returncode") or "").strip() != "SUCCESS":
            # What the server said (messageKey, message) goes to the operator's log, never to users.
            log_remote_answer("BigBlueButton create", self.config.base_url, response)
            raise ProviderError(
                _("BigBlueButton refused to create the meeting (HTTP {status}); the server log has its answer").format(
                    status=response.status_code
                )
            )

    async def create_meeting(self, spec: MeetingSpec) -> Meeting:
        meeting_id = f"{spec.event_slug[:24].strip('-')}-{unguessable()}"
        data = {
            "attendee_pw": secrets.token_hex(16),
            "moderator_pw": secrets.token_hex(16),
            "name": f"{spec.title} ({spec.event_title})"[:200],
        }
        await self._create(meeting_id, data["name"], data)
        return Meeting(meeting_id=meeting_id, url="", data=data)

    async def before_join(self, meeting: Meeting, spec: MeetingSpec) -> None:
        await self._create(meeting.meeting_id, meeting.data.get("name", spec.title), meeting.data)

    def join_params(self, meeting: Meeting, who: Joiner) -> list[tuple[str, str]]:
        params = [
            ("fullName", who.display_name[:80] or "Guest"),
            ("meetingID", meeting.meeting_id),
            ("password", meeting.data["moderator_pw" if who.moderator else "attendee_pw"]),
            ("role", "MODERATOR" if who.moderator else "VIEWER"),
        ]
        if who.participant_id is not None:
            params.append(("userID", str(who.participant_id)))
        params.append(("redirect", "true"))
        return params

    def join_url(self, meeting: Meeting, who: Joiner) -> str:
        return self.url("join", self.join_params(meeting, who))
