"""The one place that publishes live updates: typed messages on a per-event channel.

In-memory by default; ``UNCONF_REDIS_URL`` swaps in Litestar's Redis backend so every
worker's WebSockets see every change, without any page or service knowing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.params import FromPath

from unconf.cache import read_cache
from unconf.validation import utcnow

log = logging.getLogger("unconf.realtime")

_plugin: ChannelsPlugin | None = None


class LiveMessage(msgspec.Struct, kw_only=True):
    type: str
    event: str
    at: str
    data: Any = None


CHANGES_CHANNEL = "unconf:changes"


def channel_for(slug: str) -> str:
    return f"event:{slug}"


def make_channels_plugin(redis_url: str = "") -> ChannelsPlugin:
    global _plugin
    if redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend: Any = RedisChannelsPubSubBackend(redis=Redis.from_url(redis_url))
    else:
        backend = MemoryChannelsBackend()
    _plugin = ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, subscriber_max_backlog=1000)
    return _plugin


async def publish(slug: str, kind: str, data: Any = None) -> None:
    """Tell every live page of this event what changed; never fails the caller's request.

    The same call drops the event's cached reads here and, through ``CHANGES_CHANNEL``,
    on every other worker.
    """
    from unconf.notify.services import dispatch

    read_cache.invalidate(slug)
    await dispatch(slug, kind, data)  # only queues outbound notices; never raises
    if _plugin is None:
        return
    message = LiveMessage(type=kind, event=slug, at=utcnow().isoformat(), data=data)
    try:
        _plugin.publish(msgspec.json.encode(message), channel_for(slug))
        _plugin.publish(slug.encode(), CHANGES_CHANNEL)
    except Exception:  # a broken live channel must not undo a vote that was stored
        log.exception("could not publish %s for %s", kind, slug)


@asynccontextmanager
async def cache_invalidation(_: Any) -> AsyncIterator[None]:
    """Drop cached reads when another worker announces a change."""
    if _plugin is None:
        yield
        return

    async def forget(raw: bytes) -> None:
        read_cache.invalidate(raw.decode(errors="replace"))

    async with _plugin.start_subscription(CHANGES_CHANNEL) as subscriber, subscriber.run_in_background(forget):
        yield


@websocket("/api/v1/events/{slug:str}/live")
async def live_updates(socket: WebSocket[Any, Any, Any], slug: FromPath[str]) -> None:
    """Stream this event's changes; the first message says hello so clients know they are live."""
    from unconf.events.services import get_event

    await socket.accept()
    try:
        event = await get_event(slug)
    except Exception:
        await socket.send_json({"type": "error", "event": slug, "data": {"error": "not_found"}})
        await socket.close(code=4404, reason="no such event")
        return
    if _plugin is None:
        await socket.close(code=1011, reason="live updates are not configured")
        return
    async with _plugin.start_subscription(channel_for(event.slug)) as subscriber:
        hello = LiveMessage(type="hello", event=event.slug, at=utcnow().isoformat(), data={"phase": event.phase})
        await socket.send_text(msgspec.json.encode(hello).decode())
        async with subscriber.run_in_background(socket.send_text):  # type: ignore[arg-type]
            while (await socket.receive())["type"] != "websocket.disconnect":
                continue
