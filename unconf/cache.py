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

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ReadCache:
    def __init__(self, max_events: int = 2000) -> None:
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.max_events = max_events

    def get(self, slug: str, key: str) -> Any | None:
        entries = self._entries.get(slug)
        if entries is None or key not in entries:
            return None
        self._entries.move_to_end(slug)
        return entries[key]

    def put(self, slug: str, key: str, value: Any) -> None:
        self._entries.setdefault(slug, {})[key] = value
        self._entries.move_to_end(slug)
        while len(self._entries) > self.max_events:
            self._entries.popitem(last=False)

    def invalidate(self, slug: str) -> None:
        self._entries.pop(slug, None)

    def clear(self) -> None:
        self._entries.clear()

    async def through(self, slug: str, key: str, produce: Callable[[], Awaitable[T]]) -> T:
        """The cached value, or produce it (errors are not cached: a 404 now may be a 200 later)."""
        found = self.get(slug, key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = await produce()
        self.put(slug, key, value)
        return value


read_cache = ReadCache()
