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
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.validation import slugify

PLACEHOLDERS = frozenset({"event", "room", "room_id"})


class StaticConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    template: Annotated[str, Meta(max_length=500)] = ""
    main_room_url: Annotated[str, Meta(max_length=500)] = ""


def parse_template(template: str, field: str = "config.template") -> list[tuple[str, str | None]]:
    """The template as (literal text, placeholder name) pairs; only plain ``{event}``, ``{room}``, ``{room_id}``.

    A format spec (``{room_id:>50000000}``), a conversion (``{room!r}``), an attribute or an index
    is refused with a 400 naming the field: a spec can ask ``str.format`` for any width.
    """
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationFailed(
            _("{field} is not a valid template: {problem}").format(field=field, problem=exc), field=field
        ) from exc
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parts:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion is not None):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValidationFailed(
                _("{field} may only use the plain placeholders {event}, {room} and {room_id}, not {shown!r}").format(
                    field=field, event="{event}", room="{room}", room_id="{room_id}", shown=shown[:60]
                ),
                field=field,
            )
        pieces.append((literal, name))
    return pieces


def fill(template: str, *, event: str, room: str, room_id: int | None) -> str:
    """Substitute the placeholders by hand (never ``str.format`` on what an organizer typed)."""
    values = {"event": event, "room": slugify(room) if room else "main", "room_id": str(room_id or 0)}
    return "".join(literal + (values[name] if name is not None else "") for literal, name in parse_template(template))


@register
class Static(VideoProvider):
    name = "static"
    label = gettext_noop("Fixed links")
    Config = StaticConfig
    per_room = True
    notes = (gettext_noop("Each room uses its own video link; rooms without one use the URL template."),)
    config: StaticConfig

    def check(self) -> None:
        template = self.config.template
        if template:
            parse_template(template)
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
            raise ProviderError(
                _("the room “{room}” has no video link and there is no URL template").format(room=spec.room_name)
                if spec.room_name
                else _("the main room has no video link and there is no URL template")
            )
        return Meeting(meeting_id=url, url=url)

    def join_url(self, meeting: Meeting, who: Joiner) -> str:
        return meeting.url
