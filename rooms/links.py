"""Video links: the event's provider settings, a meeting per placed session, and who joins as what.

Links are made when an agenda is published (``assign_video_links``) and kept across re-publishing
while a session stays in its room; a session that moves room, or a change of provider settings,
gets a fresh meeting. People never see a provider URL in the agenda: they get
``/e/{slug}/s/{id}/join``, which signs a personal URL at the moment they join.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from agenda.schemas import RoomOut
from agenda.services import read_published
from agenda.tables import Placement, Room, TimeSlot
from agenda.versions import latest_published_id
from events import tiers
from events.tables import Event, Participant
from rooms.schemas import ProviderInfo, VideoSettingsIn, VideoSettingsOut
from rooms.tables import VideoLink, VideoSettings
from rooms.video import REGISTRY, Embed, Joiner, Meeting, MeetingSpec, ProviderError, VideoProvider, get_provider
from sessions.tables import ProposalFacilitator
from unconf import i18n, live, realtime
from unconf.auth import is_organizer
from unconf.database import lock_row, write_transaction
from unconf.errors import DomainError, NotFound
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.validation import aware, check_id, utcnow

log = logging.getLogger("unconf.video")

DEFAULT_PROVIDER = "jitsi"
MAIN_KEY = "main"


class VideoUnavailable(DomainError):
    """The provider did not answer or refused; the person can retry, nothing is lost."""

    status_code = 503
    code = "video_unavailable"


def session_key(proposal_id: int) -> str:
    return f"s:{proposal_id}"


def join_path(slug: str, proposal_id: int | None) -> str:
    return f"/e/{slug}/main/join" if proposal_id is None else f"/e/{slug}/s/{proposal_id}/join"


def notes_path(slug: str, proposal_id: int) -> str:
    return f"/e/{slug}/s/{proposal_id}/notes"


def public(path: str) -> str:
    return f"{get_settings().public_url}{path}"


# --- settings ------------------------------------------------------------------------------------


def _decode(text: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(text or "{}")
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


async def settings_row(event: Event) -> VideoSettings | None:
    return await VideoSettings.objects().where(VideoSettings.event == event.id).first()


async def current_provider(event: Event, row: VideoSettings | None = None) -> VideoProvider:
    """The stored provider, or public Jitsi when none is set; a provider the tier lost is refused (402)."""
    row = row if row is not None else await settings_row(event)
    if row is None:
        return get_provider(DEFAULT_PROVIDER, {}, {})
    tiers.check_provider(event, row.provider)
    return get_provider(row.provider, _decode(row.config), _decode(row.secrets))


def provider_infos(event: Event) -> list[ProviderInfo]:
    tier = tiers.tier_of(event)
    return [
        ProviderInfo(
            name=name, label=_(cls.label), in_tier=name in tier.video_providers, notes=[_(n) for n in cls.notes]
        )
        for name, cls in sorted(REGISTRY.items())
    ]


def _settings_out(event: Event, row: VideoSettings | None) -> VideoSettingsOut:
    name = row.provider if row is not None else DEFAULT_PROVIDER
    cls = REGISTRY.get(name)
    secrets_set = sorted(k for k, v in _decode(row.secrets).items() if v) if row is not None else []
    return VideoSettingsOut(
        provider=name,
        config=_decode(row.config) if row is not None else {},
        secrets_set=secrets_set,
        main_room_id=row.main_room if row is not None else None,
        notes=[_(n) for n in cls.notes] if cls else [],
        last_error=row.last_error if row is not None else "",
        providers=provider_infos(event),
    )


async def read_settings(event: Event) -> VideoSettingsOut:
    return _settings_out(event, await settings_row(event))


async def update_settings(event: Event, data: VideoSettingsIn) -> VideoSettingsOut:
    """Validate against the provider and the tier; a changed provider or config gives new meetings."""
    if data.provider not in REGISTRY:
        get_provider(data.provider, {}, {})  # raises the 400 naming the known providers
    tiers.check_provider(event, data.provider)
    row = await settings_row(event)
    secrets_in = data.secrets
    if secrets_in is None:
        secrets_in = _decode(row.secrets) if row is not None and row.provider == data.provider else {}
    provider = get_provider(data.provider, data.config, secrets_in)
    await provider.check_calls()
    config = msgspec.to_builtins(provider.config)
    secrets_ = msgspec.to_builtins(provider.secrets)
    if data.main_room_id is not None:
        check_id(data.main_room_id, "main_room_id")
        if not await Room.exists().where((Room.id == data.main_room_id) & (Room.event == event.id)):
            raise NotFound(_("no room {room_id} in this event").format(room_id=data.main_room_id), field="main_room_id")
    changed = row is None or row.provider != data.provider or _decode(row.config) != config
    now = utcnow()
    async with write_transaction():
        await lock_row(Event, event.id)  # PostgreSQL: one settings writer per event at a time
        values: dict[Any, Any] = {
            VideoSettings.provider: data.provider,
            VideoSettings.config: msgspec.json.encode(config).decode(),
            VideoSettings.secrets: msgspec.json.encode(secrets_).decode(),
            VideoSettings.main_room: data.main_room_id,
            VideoSettings.last_error: "",
            VideoSettings.updated_at: now,
        }
        if await VideoSettings.exists().where(VideoSettings.event == event.id):
            await VideoSettings.update(values).where(VideoSettings.event == event.id)
        else:
            await VideoSettings.insert(VideoSettings(values, event=event.id))
        if changed or (row is not None and row.main_room != data.main_room_id):
            await VideoLink.delete().where(VideoLink.event == event.id)
    agenda_id = await latest_published_id(event.id)
    if agenda_id is not None:
        await assign_video_links(event, agenda_id)
    out = await read_settings(event)
    await realtime.publish(event.slug, live.VideoChanged(data=live.ProviderData(provider=out.provider)))
    return out


async def ensure_settings(event: Event, provider: str, config: dict[str, Any], main_room_id: int | None) -> None:
    """For one-step setup: store settings without the reassign pass (there is no agenda yet)."""
    tiers.check_provider(event, provider)
    parsed = get_provider(provider, config, {})
    await parsed.check_calls()
    await VideoSettings.insert(
        VideoSettings(
            event=event.id,
            provider=provider,
            config=msgspec.json.encode(msgspec.to_builtins(parsed.config)).decode(),
            secrets="{}",
            main_room=main_room_id,
            updated_at=utcnow(),
        )
    )


async def copy_settings(source: Event, target: Event, rooms: dict[int, int]) -> str | None:
    """The next event of a series takes the previous one's provider, configuration and keys as they are.

    ``rooms`` maps the source's room ids to the target's (the main room follows). None: nothing copied
    (no settings, or a provider the new event's tier does not include: it starts on the default tier).
    """
    row = await settings_row(source)
    if row is None or row.provider not in tiers.tier_of(target).video_providers:
        return None
    await VideoSettings.insert(
        VideoSettings(
            event=target.id,
            provider=row.provider,
            config=row.config,
            secrets=row.secrets,
            main_room=rooms.get(row.main_room) if row.main_room is not None else None,
            updated_at=utcnow(),
        )
    )
    return row.provider


# --- the published agenda, as links need it --------------------------------------------------------


@dataclass
class Placed:
    proposal_id: int
    title: str
    room: RoomOut
    starts_at: datetime
    ends_at: datetime


async def placed_sessions(
    event: Event, agenda_id: int | None = None, *, now: datetime | None = None
) -> dict[int, Placed]:
    """Proposal id → where and when (UTC) it runs in that (default: the latest published) agenda.

    A session with a repeat (two runs) answers with the run that matters now: the first one that
    has not ended yet, else its last. So joining, checking in and its meeting follow the run on now
    or next, and the meeting moves to the repeat's room once the first run is over.
    Read through agenda's one read model of a published agenda (``read_published``).
    """
    agenda = await read_published(event, agenda_id)
    if agenda is None:
        return {}
    rooms = {r.id: r for r in agenda.rooms}
    now = now or utcnow()
    placed: dict[int, Placed] = {}
    for s in sorted(agenda.sessions, key=lambda s: (s.starts_at, s.run)):
        spot = Placed(s.proposal_id, s.title, rooms[s.room_id], s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC))
        known = placed.get(s.proposal_id)
        if known is None or known.ends_at <= now:
            placed[s.proposal_id] = spot
    return placed


async def day_end(event_id: int) -> datetime | None:
    rows = await TimeSlot.select(TimeSlot.ends_at).where(TimeSlot.event == event_id)
    ends = [aware(r["ends_at"]) for r in rows]
    return max((e for e in ends if e is not None), default=None)


# --- links ---------------------------------------------------------------------------------------


def _spec(event: Event, key: str, title: str, room: Room | RoomOut | None, ends_at: datetime | None) -> MeetingSpec:
    return MeetingSpec(
        event_slug=event.slug,
        event_title=event.title,
        key=key,
        title=title,
        room_id=room.id if room else None,
        room_name=room.name if room else "",
        room_link=room.video_link if room else "",
        ends_at=ends_at,
    )


def _meeting(link: VideoLink) -> Meeting:
    return Meeting(meeting_id=link.meeting_id, url=link.url, host_url=link.host_url, data=_decode(link.data))


def _keeps(link: VideoLink | None, provider: VideoProvider, room_id: int | None) -> bool:
    """A link survives while provider and room stay (static links follow the room's current URL)."""
    if link is None or link.provider != provider.name or link.room != room_id:
        return False
    return not provider.per_room


async def _store(
    event: Event,
    key: str,
    proposal_id: int | None,
    room_id: int | None,
    provider: VideoProvider,
    meeting: Meeting,
    agenda_id: int | None,
) -> None:
    values: dict[Any, Any] = {
        VideoLink.proposal: proposal_id,
        VideoLink.room: room_id,
        VideoLink.provider: provider.name,
        VideoLink.meeting_id: meeting.meeting_id[:200],
        VideoLink.url: meeting.url[:1000],
        VideoLink.host_url: meeting.host_url[:1000],
        VideoLink.data: msgspec.json.encode(meeting.data).decode(),
        VideoLink.agenda_version: agenda_id,
    }
    async with write_transaction():
        await lock_row(Event, event.id)  # PostgreSQL: concurrent publishes and joins take turns
        existing = await VideoLink.objects().where((VideoLink.event == event.id) & (VideoLink.key == key)).first()
        if existing is None:
            await VideoLink.insert(VideoLink(values, event=event.id, key=key, created_at=utcnow()))
        elif not (existing.provider == provider.name and existing.room == room_id and not provider.per_room):
            await VideoLink.update(values).where(VideoLink.id == existing.id)
        # else: a concurrent publish made a compatible meeting first; keep theirs so links stay stable.


async def _ensure(
    event: Event,
    provider: VideoProvider,
    key: str,
    proposal_id: int | None,
    title: str,
    room: Room | RoomOut | None,
    ends_at: datetime | None,
    agenda_id: int | None,
    existing: VideoLink | None,
) -> VideoLink:
    spec = _spec(event, key, title, room, ends_at)
    room_id = room.id if room else None
    if _keeps(existing, provider, room_id):
        assert existing is not None
        if agenda_id is not None and existing.agenda_version != agenda_id:
            await VideoLink.update({VideoLink.agenda_version: agenda_id}).where(VideoLink.id == existing.id)
        return existing
    meeting = await provider.create_meeting(spec)
    if (
        existing is not None
        and provider.per_room
        and existing.provider == provider.name
        and existing.url == meeting.url
    ):
        return existing
    await _store(event, key, proposal_id, room_id, provider, meeting, agenda_id)
    fresh = await VideoLink.objects().where((VideoLink.event == event.id) & (VideoLink.key == key)).first()
    assert fresh is not None
    return fresh


async def _main_room(event: Event, row: VideoSettings | None) -> Room | None:
    if row is None or row.main_room is None:
        return None
    return await Room.objects().where((Room.id == row.main_room) & (Room.event == event.id)).first()


async def _record_error(event: Event, message: str) -> None:
    await VideoSettings.update({VideoSettings.last_error: message[:500]}).where(VideoSettings.event == event.id)


async def assign_video_links(event: Event, agenda_version_id: int) -> None:
    """Give every placed session (and the main room) a meeting; called after an agenda is published.

    Never raises: the agenda is already published. A provider failure is logged, kept as the
    settings' ``last_error`` for organizers, and retried when someone joins. The meeting titles and
    that stored text are in the event's language, whoever published.
    """
    with i18n.use_locale(event.language):
        await _assign_video_links(event, agenda_version_id)


async def _assign_video_links(event: Event, agenda_version_id: int) -> None:
    try:
        row = await settings_row(event)
        provider = await current_provider(event, row)
    except DomainError as exc:
        log.warning("no video links for %s: %s", event.slug, exc.detail)
        await _record_error(event, exc.detail)
        return
    placed = await placed_sessions(event, agenda_version_id)
    existing = {link.key: link for link in await VideoLink.objects().where(VideoLink.event == event.id)}
    errors: list[str] = []
    made = 0
    for pid, spot in placed.items():
        key = session_key(pid)
        try:
            await _ensure(
                event, provider, key, pid, spot.title, spot.room, spot.ends_at, agenda_version_id, existing.get(key)
            )
            made += 1
        except ProviderError as exc:
            errors.append(_("session {proposal_id}: {reason}").format(proposal_id=pid, reason=exc))
        except Exception:  # one broken session must not leave the others without links
            log.exception("video link for session %s of %s failed", pid, event.slug)
            errors.append(_("session {proposal_id}: {reason}").format(proposal_id=pid, reason=_("unexpected error")))
    try:
        await _ensure(
            event,
            provider,
            MAIN_KEY,
            None,
            _("Main room"),
            await _main_room(event, row),
            await day_end(event.id),
            agenda_version_id,
            existing.get(MAIN_KEY),
        )
    except ProviderError as exc:
        errors.append(_("main room: {reason}").format(reason=exc))
    except Exception:
        log.exception("main room video link of %s failed", event.slug)
        errors.append(_("main room: {reason}").format(reason=_("unexpected error")))
    if row is not None:
        await _record_error(event, "; ".join(errors))
    if errors:
        log.warning("video links for %s: %s", event.slug, "; ".join(errors)[:1000])
    await realtime.publish(event.slug, live.VideoLinksMade(data=live.LinksData(sessions=made, errors=len(errors))))


async def on_agenda_published(message: live.LiveMessage) -> None:
    """Publishing an agenda gives every placed session its meeting (the app wires this to the bus)."""
    if not isinstance(message, live.AgendaPublished):
        return
    event = await Event.objects().where(Event.slug == message.event).first()
    agenda_id = await latest_published_id(event.id) if event is not None else None
    if event is not None and agenda_id is not None:
        await assign_video_links(event, agenda_id)


async def session_links(event_id: int) -> dict[int, str]:
    """Proposal id → the public join URL, for every session on the latest published agenda or with a link."""
    event = await Event.select(Event.slug).where(Event.id == event_id).first()
    if event is None:
        return {}
    ids: set[int] = set()
    agenda_id = await latest_published_id(event_id)
    if agenda_id is not None:
        ids |= {r["proposal"] for r in await Placement.select(Placement.proposal).where(Placement.agenda == agenda_id)}
    rows = await VideoLink.select(VideoLink.proposal).where(
        (VideoLink.event == event_id) & VideoLink.proposal.is_not_null()
    )
    ids |= {r["proposal"] for r in rows}
    return {pid: public(join_path(event["slug"], pid)) for pid in sorted(ids)}


# --- joining -------------------------------------------------------------------------------------


async def is_moderator(event: Event, who: Participant, proposal_id: int | None) -> bool:
    """Organizers moderate everywhere; a session's facilitators moderate their session."""
    if is_organizer(who):
        return True
    if proposal_id is None:
        return False
    return await ProposalFacilitator.exists().where(
        (ProposalFacilitator.proposal == proposal_id) & (ProposalFacilitator.participant == who.id)
    )


@dataclass
class JoinTarget:
    url: str
    proposal_id: int | None
    room_id: int | None
    ends_by: datetime | None
    moderator: bool
    embed: Embed | None = None


async def join_target(event: Event, who: Participant, proposal_id: int | None) -> JoinTarget:
    """The personal URL for this person (moderator or attendee); creates the meeting if publishing could not."""
    row = await settings_row(event)
    provider = await current_provider(event, row)
    room: Room | RoomOut | None
    if proposal_id is None:
        with i18n.use_locale(event.language):  # the meeting's title, as publishing named it
            key, title = MAIN_KEY, _("Main room")
        room = await _main_room(event, row)
        ends_by = await day_end(event.id)
        now = utcnow()
        if ends_by is None or ends_by <= now:
            ends_by = now + timedelta(hours=1)
    else:
        check_id(proposal_id, "session")
        spot = (await placed_sessions(event)).get(proposal_id)
        if spot is None:
            raise NotFound(
                _("session {proposal_id} is not on the published agenda").format(proposal_id=proposal_id),
                field="session",
            )
        key, title, room, ends_by = session_key(proposal_id), spot.title, spot.room, spot.ends_at
    existing = await VideoLink.objects().where((VideoLink.event == event.id) & (VideoLink.key == key)).first()
    spec = _spec(event, key, title, room, ends_by)
    try:
        link = await _ensure(
            event, provider, key, proposal_id, title, room, ends_by, await latest_published_id(event.id), existing
        )
        meeting = _meeting(link)
        await provider.before_join(meeting, spec)
    except ProviderError as exc:
        log.warning("join %s %s: %s", event.slug, key, exc)
        raise VideoUnavailable(
            _("the video service did not answer ({reason}); please try again in a moment").format(reason=exc),
            field="session",
        ) from exc
    moderator = await is_moderator(event, who, proposal_id)
    joiner = Joiner(participant_id=who.id, display_name=who.display_name, moderator=moderator)
    return JoinTarget(
        url=provider.join_url(meeting, joiner),
        proposal_id=proposal_id,
        room_id=room.id if room else None,
        ends_by=ends_by,
        moderator=moderator,
        embed=provider.embed(meeting, joiner),
    )
