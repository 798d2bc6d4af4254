"""Hot reads (event, proposals, rooms, slots, published agenda) served from memory.

Every change goes through ``realtime.publish``; that same call drops the event's
entries here, and — through the ``unconf:changes`` channel — on every other worker, so a
board polling the agenda costs no database query until something changes.

Why not Litestar's response cache (``cache=`` on a route, backed by its stores): that
expires entries by time and keys them by URL; here an entry must vanish the moment the
event changes (a vote, a published agenda), on every worker, and one entry serves the
API and the page that render the same data.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ReadCache:
    def __init__(self, max_events: int = 2000, max_per_event: int = 4000) -> None:
        self._entries: OrderedDict[str, OrderedDict[str, Any]] = OrderedDict()
        self.max_per_event = max_per_event
        self._generations: dict[str, int] = {}
        self._pending: dict[tuple[str, str, int], asyncio.Future[Any]] = {}
        self.max_events = max_events

    def generation(self, slug: str) -> int:
        """Read before producing a value; ``put`` with it drops the value if the event changed meanwhile."""
        return self._generations.get(slug, 0)

    def get(self, slug: str, key: str) -> Any | None:
        entries = self._entries.get(slug)
        if entries is None or key not in entries:
            return None
        self._entries.move_to_end(slug)
        return entries[key]

    def put(self, slug: str, key: str, value: Any, generation: int | None = None) -> None:
        if generation is not None and generation != self.generation(slug):
            return  # made from reads older than the last change: serve it once, keep nothing
        entries = self._entries.setdefault(slug, OrderedDict())
        entries[key] = value
        entries.move_to_end(key)
        while len(entries) > self.max_per_event:  # per-person pages: the least recently stored go first
            entries.popitem(last=False)
        self._entries.move_to_end(slug)
        while len(self._entries) > self.max_events:
            self._entries.popitem(last=False)

    def forget(self, slug: str, key: str) -> None:
        """Drop one entry (this worker only): for a change that touches one person's reads."""
        entries = self._entries.get(slug)
        if entries is not None:
            entries.pop(key, None)

    def invalidate(self, slug: str, *, keep: frozenset[str] = frozenset()) -> None:
        """Drop the event's entries (but those named in ``keep``, which the change cannot touch)."""
        self._generations[slug] = self.generation(slug) + 1
        entries = self._entries.pop(slug, None)
        if keep and entries:
            kept = OrderedDict((key, value) for key, value in entries.items() if key in keep)
            if kept:
                self._entries[slug] = kept

    def clear(self) -> None:
        self._entries.clear()
        self._generations.clear()

    async def through(self, slug: str, key: str, produce: Callable[[], Awaitable[T]]) -> T:
        """The cached value, or produce it (errors are not cached: a 404 now may be a 200 later).

        One production at a time per entry: when a publish drops an entry that a crowd is reading,
        the first request rebuilds it and the others wait for that result instead of each asking
        the database (a production that fails makes each waiter try its own).
        """
        found = self.get(slug, key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        generation = self.generation(slug)
        flight = (slug, key, generation)
        pending = self._pending.get(flight)
        if pending is not None:
            try:
                return await asyncio.shield(pending)  # type: ignore[no-any-return]
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this request was cancelled, not the production
            except Exception:
                pass
            value = await produce()
            self.put(slug, key, value, generation)
            return value
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[flight] = future
        try:
            value = await produce()
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody waiting is not an error
            raise
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(value)
        finally:
            self._pending.pop(flight, None)
        self.put(slug, key, value, generation)
        return value


read_cache = ReadCache()

UNTOUCHED_BY_VOTES = frozenset({"event", "slots", "rooms"})
"""Entries a vote cannot change: kept when votes drop an event's reads, so a vote storm does not
re-read the event row on every request."""


class AccessCache:
    """Token hash → the participant it belongs to, per event: one query less on every request.

    Kept apart from ``read_cache`` because votes drop an event's reads many times a second while
    tokens hardly ever change. Only found tokens are kept (a wrong token always asks the database),
    and ``realtime.forget_access`` drops an event's entries here and on every other worker whenever
    a token stops working or a person is removed.
    """

    def __init__(self, max_entries: int = 50_000) -> None:
        self._entries: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._by_event: dict[str, set[str]] = {}
        self._generations: dict[str, int] = {}
        self.max_entries = max_entries

    def generation(self, slug: str) -> int:
        """Read before asking the database; ``put`` with it keeps nothing if the event's tokens changed meanwhile."""
        return self._generations.get(slug, 0)

    def get(self, slug: str, token_hash: str) -> Any | None:
        found = self._entries.get(token_hash)
        if found is None or found[0] != slug:
            return None
        return found[1]

    def put(self, slug: str, token_hash: str, participant: Any, generation: int) -> None:
        if generation != self.generation(slug):
            return
        self._entries[token_hash] = (slug, participant)
        self._by_event.setdefault(slug, set()).add(token_hash)
        while len(self._entries) > self.max_entries:
            old_hash, (old_slug, _) = self._entries.popitem(last=False)
            self._by_event.get(old_slug, set()).discard(old_hash)

    def invalidate(self, slug: str) -> None:
        self._generations[slug] = self.generation(slug) + 1
        for token_hash in self._by_event.pop(slug, set()):
            self._entries.pop(token_hash, None)

    def clear(self) -> None:
        self._entries.clear()
        self._by_event.clear()
        self._generations.clear()


access_cache = AccessCache()
