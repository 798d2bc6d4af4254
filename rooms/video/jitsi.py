"""Jitsi Meet: an unguessable room name per session; signed JWTs for a self-hosted Jitsi with token auth.

Token auth follows the claims Jitsi's ``prosody-plugins`` token verification checks: ``iss`` is the
app id, ``aud`` the configured audience, ``sub`` the Jitsi domain, ``room`` the room name, and
``context.user`` names the person; ``moderator`` (top level and in ``context.user``) makes the
facilitator a moderator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlparse

import msgspec
from msgspec import Meta

from rooms.video.base import (
    Embed,
    Joiner,
    Meeting,
    MeetingSpec,
    ProviderError,
    VideoProvider,
    check_url,
    register,
    unguessable,
)
from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop

PUBLIC_JITSI = "https://meet.jit.si"


class JitsiConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    base_url: Annotated[str, Meta(min_length=1, max_length=300)] = PUBLIC_JITSI
    token_auth: bool = False
    app_id: Annotated[str, Meta(max_length=200)] = ""
    audience: Annotated[str, Meta(min_length=1, max_length=200)] = "jitsi"
    token_minutes: Annotated[int, Meta(ge=5, le=24 * 60)] = 240


class JitsiSecrets(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    app_secret: Annotated[str, Meta(max_length=500)] = ""


@register
class Jitsi(VideoProvider):
    name = "jitsi"
    label = "Jitsi Meet"
    Config = JitsiConfig
    Secrets = JitsiSecrets
    notes = (
        gettext_noop(
            "On the public meet.jit.si the first person to enter a room is asked to log in (Google, GitHub or "
            "Facebook) before the meeting starts; tell facilitators, or use your own Jitsi server."
        ),
    )
    config: JitsiConfig
    secrets: JitsiSecrets

    def check(self) -> None:
        check_url(self.config.base_url, "config.base_url")
        if self.config.token_auth:
            if not self.config.app_id:
                raise ValidationFailed(_("token auth needs config.app_id"), field="config.app_id")
            if len(self.secrets.app_secret) < 32:
                raise ValidationFailed(
                    _("token auth needs secrets.app_secret (at least 32 characters, as RFC 7518 asks for HS256)"),
                    field="secrets.app_secret",
                )

    @property
    def domain(self) -> str:
        return urlparse(self.config.base_url).hostname or ""

    async def create_meeting(self, spec: MeetingSpec) -> Meeting:
        """No API call: a Jitsi room exists once someone opens its name."""
        room = f"{spec.event_slug[:24].strip('-')}-{unguessable()}"
        return Meeting(meeting_id=room, url=f"{self.config.base_url.rstrip('/')}/{room}")

    def token(self, meeting: Meeting, who: Joiner, now: datetime | None = None) -> str:
        try:
            import jwt
        except ImportError as exc:  # pragma: no cover - pyjwt is a dependency
            raise ProviderError(_("Jitsi token auth needs the pyjwt package")) from exc
        now = now or datetime.now(UTC)
        user: dict[str, Any] = {
            "name": who.display_name,
            "moderator": who.moderator,
            "affiliation": "owner" if who.moderator else "member",
        }
        if who.participant_id is not None:
            user["id"] = str(who.participant_id)
        claims = {
            "aud": self.config.audience,
            "iss": self.config.app_id,
            "sub": self.domain,
            "room": meeting.meeting_id,
            "iat": int(now.timestamp()),
            "nbf": int((now - timedelta(minutes=1)).timestamp()),
            "exp": int((now + timedelta(minutes=self.config.token_minutes)).timestamp()),
            "moderator": who.moderator,
            "context": {"user": user},
        }
        return str(jwt.encode(claims, self.secrets.app_secret, algorithm="HS256"))

    embeddable = True

    def embed(self, meeting: Meeting, who: Joiner) -> Embed:
        """For ``JitsiMeetExternalAPI(domain, {roomName, jwt, userInfo})``, from the server's own script."""
        base = self.config.base_url.rstrip("/")
        return Embed(
            kind="jitsi",
            domain=base.split("://", 1)[-1],
            script_url=f"{base}/external_api.js",
            room=meeting.meeting_id,
            jwt=self.token(meeting, who) if self.config.token_auth else "",
            display_name=who.display_name,
        )

    def embed_origin(self) -> str:
        parsed = urlparse(self.config.base_url)
        return f"{parsed.scheme}://{parsed.netloc}"

    def join_url(self, meeting: Meeting, who: Joiner) -> str:
        if self.config.token_auth:
            return f"{meeting.url}?jwt={self.token(meeting, who)}"
        name = quote(msgspec.json.encode(who.display_name).decode(), safe="")
        return f"{meeting.url}#userInfo.displayName={name}"
