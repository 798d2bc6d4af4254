"""Static links: one fixed URL per room (the room's own ``video_link``) or a URL template.

The template may use ``{event}`` (slug), ``{room}`` (the room's name as a URL-safe slug) and
``{room_id}``; the link follows the room, so a session keeps it exactly as long as its room.
"""

from __future__ import annotations

import string
from typing import Annotated

import msgspec
from msgspec import Meta

from rooms.video.base import Joiner, Meeting, MeetingSpec, ProviderError, VideoProvider, check_url, register
from unconf.errors import ValidationFailed
from unconf.validation import slugify

PLACEHOLDERS = frozenset({"event", "room", "room_id"})


class StaticConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    template: Annotated[str, Meta(max_length=500)] = ""
    main_room_url: Annotated[str, Meta(max_length=500)] = ""


def fill(template: str, *, event: str, room: str, room_id: int | None) -> str:
    return template.format(event=event, room=slugify(room) if room else "main", room_id=room_id or 0)


@register
class Static(VideoProvider):
    name = "static"
    label = "Fixed links"
    Config = StaticConfig
    per_room = True
    notes = ("Each room uses its own video link; rooms without one use the URL template.",)
    config: StaticConfig

    def check(self) -> None:
        template = self.config.template
        if template:
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
            except ValueError as exc:
                raise ValidationFailed(
                    f"config.template is not a valid template: {exc}", field="config.template"
                ) from exc
            unknown = names - PLACEHOLDERS
            if unknown:
                raise ValidationFailed(
                    f"config.template may only use {{event}}, {{room}} and {{room_id}}, not {sorted(unknown)}",
                    field="config.template",
                )
            check_url(fill(template, event="e", room="r", room_id=1), "config.template")
        if self.config.main_room_url:
            check_url(self.config.main_room_url, "config.main_room_url")

    async def create_meeting(self, spec: MeetingSpec) -> Meeting:
        if spec.key == "main" and self.config.main_room_url:
            url = self.config.main_room_url
        elif spec.room_link:
            url = spec.room_link
        elif self.config.template:
            url = fill(self.config.template, event=spec.event_slug, room=spec.room_name, room_id=spec.room_id)
        else:
            raise ProviderError(f"room {spec.room_name or 'main'!r} has no video link and there is no URL template")
        return Meeting(meeting_id=url, url=url)

    def join_url(self, meeting: Meeting, who: Joiner) -> str:
        return meeting.url
