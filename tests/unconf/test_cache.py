"""The read cache keeps nothing older than the last change, builds an entry once for a crowd, and stays bounded."""

from __future__ import annotations

import asyncio

import pytest

from unconf.cache import AccessCache, ReadCache


def test_a_value_made_across_a_change_is_served_but_not_kept() -> None:
    cache = ReadCache()

    async def scenario() -> tuple[str, str]:
        async def slow_old_read() -> str:
            cache.invalidate("ed")  # the event changes while this read is under way
            return "old"

        served = await cache.through("ed", "agenda", slow_old_read)
        fresh = await cache.through("ed", "agenda", lambda: asyncio.sleep(0, "new"))
        return served, fresh

    assert asyncio.run(scenario()) == ("old", "new")
    assert cache.get("ed", "agenda") == "new"


def test_a_crowd_missing_the_same_entry_builds_it_once() -> None:
    cache = ReadCache()
    built = 0

    async def build() -> str:
        nonlocal built
        built += 1
        await asyncio.sleep(0.01)
        return "page"

    async def crowd() -> list[str]:
        return list(await asyncio.gather(*[cache.through("ed", "page:me", build) for _ in range(50)]))

    assert asyncio.run(crowd()) == ["page"] * 50
    assert built == 1


def test_a_failed_build_is_not_cached_and_each_waiter_tries_again() -> None:
    cache = ReadCache()
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise LookupError("not published yet")
        return "agenda"

    async def crowd() -> list[object]:
        return list(
            await asyncio.gather(*[cache.through("ed", "agenda", flaky) for _ in range(3)], return_exceptions=True)
        )

    results = asyncio.run(crowd())
    assert isinstance(results[0], LookupError) and results[1:] == ["agenda", "agenda"]
    assert cache.get("ed", "agenda") == "agenda"


def test_entries_per_event_are_bounded_oldest_first() -> None:
    cache = ReadCache(max_per_event=3)
    for i in range(5):
        cache.put("ed", f"page:{i}", i)
    assert [cache.get("ed", f"page:{i}") for i in range(5)] == [None, None, 2, 3, 4]
    cache.put("other", "event", "kept")
    assert cache.get("other", "event") == "kept"


def test_forget_drops_one_entry_and_invalidate_the_event() -> None:
    cache = ReadCache()
    cache.put("ed", "a", 1)
    cache.put("ed", "b", 2)
    cache.forget("ed", "a")
    assert (cache.get("ed", "a"), cache.get("ed", "b")) == (None, 2)
    cache.invalidate("ed")
    assert cache.get("ed", "b") is None


@pytest.mark.parametrize("same_event", [True, False])
def test_tokens_are_kept_per_event_and_dropped_with_it(same_event: bool) -> None:
    tokens = AccessCache()
    generation = tokens.generation("ed")
    tokens.put("ed", "hash-1", "Pat", generation)
    assert tokens.get("ed", "hash-1") == "Pat"
    assert tokens.get("other", "hash-1") is None  # a token is only ever good for its own event
    tokens.invalidate("ed" if same_event else "other")
    assert tokens.get("ed", "hash-1") == (None if same_event else "Pat")


def test_a_token_read_across_a_revocation_is_not_kept() -> None:
    tokens = AccessCache()
    generation = tokens.generation("ed")
    tokens.invalidate("ed")  # signed out while the lookup was under way
    tokens.put("ed", "hash-1", "Pat", generation)
    assert tokens.get("ed", "hash-1") is None


def test_the_token_cache_is_bounded() -> None:
    tokens = AccessCache(max_entries=2)
    for i in range(4):
        tokens.put("ed", f"hash-{i}", i, tokens.generation("ed"))
    assert [tokens.get("ed", f"hash-{i}") for i in range(4)] == [None, None, 2, 3]
    tokens.invalidate("ed")
    assert tokens.get("ed", "hash-3") is None
