"""Stars, personal calendar feeds and who-follows-what. No HTTP here."""

from __future__ import annotations

import secrets
from datetime import datetime

import msgspec

from agenda.services import cached_my_sessions
from events.tables import Event, Participant
from exports.schedule import EPOCH, base_url
from exports.tables import CalendarFeed
from sessions.services import get_proposal
from sessions.tables import Star
from unconf import realtime
from unconf.cache import access_cache
from unconf.errors import NotFound, Unauthorized
from unconf.i18n import gettext as _
from unconf.tokens import hash_token
from unconf.validation import aware, utcnow

FEED_SECRET_BYTES = 32  # 256 bits, well above the 128 the feed URL needs to stay unguessable


class StarOut(msgspec.Struct, kw_only=True):
    proposal_id: int
    starred: bool


class FeedStatus(msgspec.Struct, kw_only=True):
    """Whether I have a feed; the secret itself is only ever shown when it is made."""

    active: bool
    created_at: datetime | None = None


class FeedCreated(msgspec.Struct, kw_only=True):
    secret: str
    https_url: str
    webcal_url: str
    created_at: datetime


async def set_star(event: Event, participant: Participant, proposal_id: int, starred: bool) -> StarOut:
    """Idempotent both ways; a star on any proposal of the event (it may be scheduled later)."""
    proposal = await get_proposal(event, proposal_id)
    # One upsert on the (participant, proposal) unique index: two quick clicks cannot collide.
    row = Star(event=event.id, participant=participant.id, proposal=proposal.id, starred=starred, updated_at=utcnow())
    await Star.insert(row).on_conflict(
        target=(Star.participant, Star.proposal), action="DO UPDATE", values=[Star.starred, Star.updated_at]
    )
    await realtime.forget(event.slug)  # the person's agenda and calendar follow their stars
    return StarOut(proposal_id=proposal.id, starred=starred)


async def my_stars(participant: Participant) -> list[int]:
    rows = await Star.select(Star.proposal).where((Star.participant == participant.id) & (Star.starred.eq(True)))
    return sorted(r["proposal"] for r in rows)


async def followed(event: Event, participant: Participant) -> tuple[set[int], datetime]:
    """The person's own sessions (agenda's ``my_sessions``, from its read model), and when that set last
    changed (for feeds)."""
    mine = await cached_my_sessions(event, participant.id)
    changed = mine.changed_at or EPOCH
    return mine.ids, changed.replace(microsecond=0)


def feed_urls(slug: str, secret: str) -> tuple[str, str]:
    https_url = f"{base_url()}/e/{slug}/feed/{secret}.ics"
    _, _, rest = https_url.partition("://")
    return https_url, f"webcal://{rest}"


async def feed_status(participant: Participant) -> FeedStatus:
    feed = await CalendarFeed.objects().where(CalendarFeed.participant == participant.id).first()
    if feed is None:
        return FeedStatus(active=False)
    return FeedStatus(active=True, created_at=aware(feed.created_at))


async def rotate_feed(event: Event, participant: Participant) -> FeedCreated:
    """Make a new secret (the old URL stops working at once); only its hash is stored."""
    secret = secrets.token_urlsafe(FEED_SECRET_BYTES)
    now = utcnow()
    row = CalendarFeed(event=event.id, participant=participant.id, secret_hash=hash_token(secret), created_at=now)
    await CalendarFeed.insert(row).on_conflict(
        target=CalendarFeed.participant, action="DO UPDATE", values=[CalendarFeed.secret_hash, CalendarFeed.created_at]
    )
    await realtime.forget_access(event.slug)  # the old URL stops working on every worker too
    https_url, webcal_url = feed_urls(event.slug, secret)
    return FeedCreated(secret=secret, https_url=https_url, webcal_url=webcal_url, created_at=now)


async def revoke_feed(event: Event, participant: Participant) -> None:
    await drop_feeds(participant.id)
    await realtime.forget_access(event.slug)


async def drop_feeds(participant_id: int) -> None:
    """Every feed of this person stops answering (plugged into ``events.services.PERSONAL_ACCESS``)."""
    await CalendarFeed.delete().where(CalendarFeed.participant == participant_id)


async def feed_owner(event: Event, secret: str) -> Participant:
    """The participant behind a feed secret; every failure looks the same so secrets cannot be probed."""
    if not 20 <= len(secret) <= 100:
        raise NotFound(_("no such calendar feed (it may have been revoked)"), field="secret")
    key = "feed:" + hash_token(secret)
    cached = access_cache.get(event.slug, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    generation = access_cache.generation(event.slug)
    feed = await CalendarFeed.objects().where(CalendarFeed.secret_hash == hash_token(secret)).first()
    if feed is None or feed.event != event.id:
        raise NotFound(_("no such calendar feed (it may have been revoked)"), field="secret")
    participant = await Participant.objects().where(Participant.id == feed.participant).first()
    if participant is None:
        raise Unauthorized(_("the feed's owner is gone"), field="secret")
    access_cache.put(event.slug, key, participant, generation)
    return participant
