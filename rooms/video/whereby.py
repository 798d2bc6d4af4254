"""Whereby through its REST API: ``POST /v1/meetings`` gives a ``roomUrl`` for attendees and,
when asked for with ``fields: ["hostRoomUrl"]``, a ``hostRoomUrl`` for the facilitator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import quote, urlparse

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
    unreachable,
)
from unconf.errors import ValidationFailed
from unconf.http import log_remote_answer
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop

WHEREBY_API = "https://api.whereby.dev/v1"


class WherebyConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    api_url: Annotated[str, Meta(min_length=1, max_length=300)] = WHEREBY_API
    room_mode: Literal["normal", "group"] = "group"
    room_name_prefix: Annotated[str, Meta(max_length=40, pattern=r"^[a-z0-9-]*$")] = ""


class WherebySecrets(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    api_key: Annotated[str, Meta(max_length=2000)] = ""


class WherebyMeeting(msgspec.Struct):
    meetingId: str
    roomUrl: str
    hostRoomUrl: str = ""


@register
class Whereby(VideoProvider):
    name = "whereby"
    label = "Whereby"
    Config = WherebyConfig
    Secrets = WherebySecrets
    calls = ("api_url",)
    notes = (gettext_noop("Create an API key in your Whereby Embedded dashboard."),)
    config: WherebyConfig
    secrets: WherebySecrets

    def check(self) -> None:
        check_url(self.config.api_url, "config.api_url")
        if len(self.secrets.api_key) < 8:
            raise ValidationFailed(_("Whereby needs secrets.api_key"), field="secrets.api_key")

    async def create_meeting(self, spec: MeetingSpec) -> Meeting:
        ends = spec.ends_at or datetime.now(UTC)
        end_date = (max(ends, datetime.now(UTC)) + timedelta(hours=12)).astimezone(UTC)
        body = {
            "endDate": end_date.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "roomMode": self.config.room_mode,
            "fields": ["hostRoomUrl"],
        }
        if self.config.room_name_prefix:
            body["roomNamePrefix"] = self.config.room_name_prefix
        await guard_call(self.config.api_url, "config.api_url", "Whereby")
        try:
            async with http_client() as client:
                response = await client.post(
                    f"{self.config.api_url.rstrip('/')}/meetings",
                    json=body,
                    headers={"Authorization": f"Bearer {self.secrets.api_key}"},
                )
        except Exception as exc:
            raise unreachable("Whereby", exc) from exc
        if response.status_code not in (200, 201):
            log_remote_answer("Whereby create", self.config.api_url, response)
            raise ProviderError(_("Whereby refused to create a meeting ({status})").format(status=response.status_code))
        try:
            made = msgspec.json.decode(response.content[:1_000_000], type=WherebyMeeting)
        except msgspec.DecodeError as exc:
            log_remote_answer("Whereby create", self.config.api_url, response)
            raise ProviderError(_("Whereby answered without a meeting")) from exc
        for url in (made.roomUrl, made.hostRoomUrl or made.roomUrl):
            if urlparse(url).scheme not in ("https", "http"):
                raise ProviderError(_("Whereby answered with a room URL we cannot use"))
        return Meeting(meeting_id=made.meetingId, url=made.roomUrl, host_url=made.hostRoomUrl)

    def join_url(self, meeting: Meeting, who: Joiner) -> str:
        base = meeting.host_url if who.moderator and meeting.host_url else meeting.url
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}displayName={quote(who.display_name[:80], safe='')}"
