"""The one place that publishes live updates: messages from the catalogue (``unconf.live``) on a per-event channel.

In-memory by default; ``UNCONF_REDIS_URL`` swaps in Litestar's Redis backend so every
worker's WebSockets see every change, without any page or service knowing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import msgspec
from litestar import WebSocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from unconf.cache import read_cache
from unconf.live import Greeting, Hello, LiveMessage, NoSuchEvent, Refusal
from unconf.metrics import LIVE_CLIENTS
from unconf.settings import get_settings
from unconf.validation import utcnow

log = logging.getLogger("unconf.realtime")

_plugin: ChannelsPlugin | None = None


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


Subscriber = Callable[[LiveMessage], Awaitable[None]]
_subscribers: list[Subscriber] = []


def subscribe(handler: Subscriber) -> None:
    """Run ``handler(message)`` in-process for every published change (once, however often wired).

    This is how one domain reacts to another's changes without importing it: the app factory
    wires the reactions (outbound notices, video links on publish) at startup, and each matches
    on the message's class (``message.event`` is the event's slug).
    """
    if handler not in _subscribers:
        _subscribers.append(handler)


async def publish(slug: str, message: LiveMessage) -> None:
    """Tell every live page of this event what changed; never fails the caller's request.

    The message is stamped with the event and the time here. The same call drops the event's
    cached reads here and, through ``CHANGES_CHANNEL``, on every other worker, and runs the
    in-process subscribers first, in the order wired.
    """
    message = msgspec.structs.replace(message, event=slug, at=utcnow().isoformat())
    kind = type(message).__struct_config__.tag
    read_cache.invalidate(slug)
    for handler in list(_subscribers):
        try:
            await handler(message)
        except Exception:  # a failed reaction must not undo what was stored
            log.exception("subscriber %s failed on %s for %s", getattr(handler, "__name__", handler), kind, slug)
    if _plugin is None:
        return
    try:
        _plugin.publish(msgspec.json.encode(message), channel_for(slug))
        _plugin.publish(slug.encode(), CHANGES_CHANNEL)
    except Exception:  # a broken live channel must not undo a vote that was stored
        log.exception("could not publish %s for %s", kind, slug)


async def forget(slug: str) -> None:
    """Drop an event's cached reads here and on every worker, with no live message (suspension, deletion)."""
    read_cache.invalidate(slug)
    try:
        if _plugin is not None:
            _plugin.publish(slug.encode(), CHANGES_CHANNEL)
        elif redis_url := get_settings().redis_url:
            # A command on the server (``unconf admin``): no plugin here, but the workers listen on Redis.
            from litestar.channels.backends.redis import RedisChannelsPubSubBackend
            from redis.asyncio import Redis

            redis = Redis.from_url(redis_url)
            try:
                await RedisChannelsPubSubBackend(redis=redis).publish(slug.encode(), [CHANGES_CHANNEL])
            finally:
                await redis.aclose()
    except Exception:
        log.exception("could not announce a change to %s", slug)


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


async def refuse_live(socket: WebSocket[Any, Any, Any], slug: str) -> None:
    """Tell an accepted socket there is no such event, then close it with 4404 (``unconf watch`` exits 1)."""
    await socket.send_text(msgspec.json.encode(NoSuchEvent(event=slug, data=Refusal(error="not_found"))).decode())
    await socket.close(code=4404, reason="no such event")


TOO_MANY_LIVE = 4429  # the WebSocket cousin of HTTP 429


class LiveSockets:
    """How many live sockets each address and each person holds open, here.

    Counted per worker process: with ``--workers N`` one address may hold N times the cap. That bounds
    what one client can pin on each worker (a subscription, its backlog and a file descriptor), which is
    the point; a count shared through Redis would outlive a worker that dies with sockets open.
    """

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    @contextmanager
    def hold(self, address: str | None, person: str | None) -> Iterator[str | None]:
        """Take a place for one socket; yields None, or why it is refused (the place is then not taken)."""
        settings = get_settings()
        keys = []
        if address:
            keys.append((f"address:{address}", settings.live_max_per_address, "from this address"))
        if person:
            keys.append((f"person:{person}", settings.live_max_per_person, "for this person"))
        for key, limit, whose in keys:
            if self.open[key] >= limit:
                yield f"too many live connections {whose} (at most {limit})"
                return
        for key, _, _ in keys:
            self.open[key] += 1
        try:
            yield None
        finally:
            for key, _, _ in keys:
                self.open[key] -= 1
                if self.open[key] <= 0:
                    del self.open[key]


live_sockets = LiveSockets()
_open_sockets: set[WebSocket[Any, Any, Any]] = set()
SERVICE_RESTART = 1012  # RFC 6455's registry: the server is restarting; clients reconnect


async def close_live_sockets(reason: str = "service restart") -> int:
    """Close every live socket of this worker with 1012 and ``reason`` (a graceful shutdown); how many.

    Pages reconnect by themselves (``web/static/live.js``), to another worker behind the proxy.
    """
    sockets = list(_open_sockets)

    async def close(socket: WebSocket[Any, Any, Any]) -> None:
        try:
            await socket.close(code=SERVICE_RESTART, reason=reason)
        except Exception:  # already gone: nothing to tell it
            return

    await asyncio.gather(*(close(s) for s in sockets))
    return len(sockets)


async def stream_live(
    socket: WebSocket[Any, Any, Any],
    slug: str,
    hello: Greeting,
    *,
    address: str | None = None,
    person: str | None = None,
) -> None:
    """Stream an accepted socket this event's changes until the client goes; the first message says hello.

    One address or one person past ``UNCONF_LIVE_MAX_PER_ADDRESS`` / ``UNCONF_LIVE_MAX_PER_PERSON``
    open sockets gets the socket closed with 4429 ("too many live connections") before any subscription.
    """
    if _plugin is None:
        await socket.close(code=1011, reason="live updates are not configured")
        return
    with live_sockets.hold(address, person) as refused:
        if refused is not None:
            await socket.close(code=TOO_MANY_LIVE, reason=refused)
            return
        LIVE_CLIENTS.inc()
        _open_sockets.add(socket)
        try:
            await _stream(socket, slug, hello)
        finally:
            _open_sockets.discard(socket)
            LIVE_CLIENTS.dec()


async def _stream(socket: WebSocket[Any, Any, Any], slug: str, hello: Greeting) -> None:
    assert _plugin is not None
    async with _plugin.start_subscription(channel_for(slug)) as subscriber:
        greeting = Hello(event=slug, at=utcnow().isoformat(), data=hello)
        await socket.send_text(msgspec.json.encode(greeting).decode())
        async with subscriber.run_in_background(socket.send_text):  # type: ignore[arg-type]
            while (await socket.receive())["type"] != "websocket.disconnect":
                continue
