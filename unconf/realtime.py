"""The one place that publishes live updates: messages from the catalogue (``unconf.live``) on a per-event channel.

In-memory by default; ``UNCONF_REDIS_URL`` swaps in Litestar's Redis backend so every
worker's WebSockets see every change, without any page or service knowing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import msgspec
from litestar import WebSocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from unconf.cache import UNTOUCHED_BY_VOTES, access_cache, read_cache
from unconf.live import Greeting, Hello, LiveMessage, NoSuchEvent, OpenedData, Refusal, RoomOpened, VoteCast
from unconf.metrics import LIVE_CLIENTS
from unconf.settings import get_settings
from unconf.validation import utcnow

log = logging.getLogger("unconf.realtime")

_plugin: ChannelsPlugin | None = None


CHANGES_CHANNEL = "unconf:changes"


def channel_for(slug: str, room: str | None = None) -> str:
    """The event's channel, or one of its rooms' (a topic's chat, a person's own)."""
    return f"event:{slug}" if room is None else f"event:{slug}:{room}"


# Rooms a socket may open by sending {"open": "<room>"}: a topic's chat by anyone the token names,
# "person" (their own room, never another's). The rules for who may read what stay in the services;
# a room carries only what any participant of the event may see, or one person's own news.
ROOM_NAME = re.compile(r"chat:(main|[0-9]{1,10})")
MAX_ROOMS_PER_SOCKET = 16
MAX_CLIENT_FRAME = 200


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
    room = message.room()
    keep = UNTOUCHED_BY_VOTES if isinstance(message, VoteCast) else frozenset()
    if room is None:  # a room's chatter changes no cached read
        read_cache.invalidate(slug, keep=keep)
    for handler in list(_subscribers):
        try:
            await handler(message)
        except Exception:  # a failed reaction must not undo what was stored
            log.exception("subscriber %s failed on %s for %s", getattr(handler, "__name__", handler), kind, slug)
    # Again: a read made while the subscribers ran may have cached what they were still writing.
    if room is None:
        read_cache.invalidate(slug, keep=keep)
    if _plugin is None:
        return
    try:
        _plugin.publish(msgspec.json.encode(message), channel_for(slug, room))
        if room is None:
            _plugin.publish(((VOTES_PREFIX if keep else "") + slug).encode(), CHANGES_CHANNEL)
    except Exception:  # a broken live channel must not undo a vote that was stored
        log.exception("could not publish %s for %s", kind, slug)


ACCESS_PREFIX = "access:"
VOTES_PREFIX = "votes:"


async def forget_votes(slug: str) -> None:
    """Votes changed: drop the event's cached reads that show tallies or dots, here and on every worker."""
    read_cache.invalidate(slug, keep=UNTOUCHED_BY_VOTES)
    _announce(VOTES_PREFIX + slug)


async def forget(slug: str) -> None:
    """Drop the event's cached reads here and on every worker, for a change no live page shows (a star,
    a suspension, a deletion)."""
    read_cache.invalidate(slug)
    if _plugin is None:
        await _announce_from_command(slug)
    else:
        _announce(slug)


async def forget_access(slug: str) -> None:
    """A token stopped working or a person was removed: drop the event's cached tokens and reads, everywhere."""
    access_cache.invalidate(slug)
    read_cache.invalidate(slug)
    _announce(ACCESS_PREFIX + slug)


def _announce(what: str) -> None:
    if _plugin is None:
        return
    try:
        _plugin.publish(what.encode(), CHANGES_CHANNEL)
    except Exception:  # the change is stored; other workers' caches then wait for the next change
        log.exception("could not announce a change of %s", what)


async def _announce_from_command(slug: str) -> None:
    """A command on the server (``unconf admin``) has no plugin, but the workers listen on Redis."""
    redis_url = get_settings().redis_url
    if not redis_url:
        return
    try:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        try:
            await RedisChannelsPubSubBackend(redis=redis).publish(slug.encode(), [CHANGES_CHANNEL])
        finally:
            await redis.aclose()
    except Exception:  # the change is stored; the workers' caches then wait for the event's next change
        log.exception("could not announce a change to %s", slug)


@asynccontextmanager
async def cache_invalidation(_: Any) -> AsyncIterator[None]:
    """Drop cached reads (and, for ``access:<slug>``, cached tokens) when another worker announces a change."""
    if _plugin is None:
        yield
        return

    async def forget(raw: bytes) -> None:
        what = raw.decode(errors="replace")
        if what.startswith(VOTES_PREFIX):
            read_cache.invalidate(what.removeprefix(VOTES_PREFIX), keep=UNTOUCHED_BY_VOTES)
            return
        if what.startswith(ACCESS_PREFIX):
            what = what.removeprefix(ACCESS_PREFIX)
            access_cache.invalidate(what)
        read_cache.invalidate(what)

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


@asynccontextmanager
async def tracked_socket(socket: WebSocket[Any, Any, Any]) -> AsyncIterator[None]:
    """Count a live socket as open from its accept on, so a shutdown that comes while it is still being
    authenticated closes it with "service restart" too (and its page reconnects elsewhere)."""
    _open_sockets.add(socket)
    try:
        yield
    finally:
        _open_sockets.discard(socket)


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
            await _stream(socket, slug, hello, person)
        finally:
            _open_sockets.discard(socket)
            LIVE_CLIENTS.dec()


async def _stream(socket: WebSocket[Any, Any, Any], slug: str, hello: Greeting, person: str | None) -> None:
    assert _plugin is not None
    async with _plugin.start_subscription(channel_for(slug)) as subscriber:
        greeting = Hello(event=slug, at=utcnow().isoformat(), data=hello)
        await socket.send_text(msgspec.json.encode(greeting).decode())
        async with subscriber.run_in_background(socket.send_text), Rooms(socket, slug, person) as rooms:  # type: ignore[arg-type]
            while True:
                frame = await socket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                text = frame.get("text")
                await rooms.follow(text if isinstance(text, str) else None)


class RoomFrame(msgspec.Struct, forbid_unknown_fields=True):
    """What a client may send on its live socket: open or leave one room."""

    open: str | None = None
    leave: str | None = None


class Rooms:
    """The rooms one socket opened, each its own subscription; all closed when the socket goes.

    Only a socket whose token names a person may open rooms. Frames that are not a valid request are
    ignored, as every client frame was before rooms existed (old clients keep working).
    """

    def __init__(self, socket: WebSocket[Any, Any, Any], slug: str, person: str | None) -> None:
        self.socket = socket
        self.slug = slug
        self.person = person
        self.open: dict[str, AsyncExitStack] = {}

    async def __aenter__(self) -> Rooms:
        return self

    async def __aexit__(self, *_: object) -> None:
        for room in list(self.open):
            await self.leave(room)

    def _room(self, name: str) -> str | None:
        if self.person is None:
            return None
        if name == "person":
            return f"person:{self.person}"
        return name if ROOM_NAME.fullmatch(name) else None

    async def follow(self, text: str | None) -> None:
        if not text or len(text) > MAX_CLIENT_FRAME:
            return
        try:
            frame = msgspec.json.decode(text, type=RoomFrame)
        except msgspec.DecodeError:
            return
        if frame.leave is not None and (room := self._room(frame.leave)) is not None:
            await self.leave(room)
        if frame.open is not None and (room := self._room(frame.open)) is not None and await self.enter(room):
            opened = RoomOpened(event=self.slug, at=utcnow().isoformat(), data=OpenedData(room=frame.open))
            await self.socket.send_text(msgspec.json.encode(opened).decode())

    async def enter(self, room: str) -> bool:
        """Open a room; False when this socket has too many open already."""
        if room in self.open:
            return True
        if len(self.open) >= MAX_ROOMS_PER_SOCKET or _plugin is None:
            return False
        stack = AsyncExitStack()
        subscriber = await stack.enter_async_context(_plugin.start_subscription(channel_for(self.slug, room)))
        await stack.enter_async_context(subscriber.run_in_background(self.socket.send_text))  # type: ignore[arg-type]
        self.open[room] = stack
        return True

    async def leave(self, room: str) -> None:
        stack = self.open.pop(room, None)
        if stack is not None:
            await stack.aclose()
