"""The pooled SQLite engine: one writer at a time through its own lock, never SQLite's busy wait."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from piccolo.columns import Integer
from piccolo.engine.sqlite import TransactionType
from piccolo.table import Table

from unconf.database import PooledSQLiteEngine


def _engine(tmp_path: Path) -> tuple[PooledSQLiteEngine, type[Table]]:
    # timeout=0: a second writer reaching SQLite would fail at once with "database is locked".
    engine = PooledSQLiteEngine(path=str(tmp_path / "engine.sqlite"), timeout=0)

    class Counter(Table, db=engine, tablename="counter"):
        value = Integer()

    return engine, Counter


async def _setup(engine: PooledSQLiteEngine) -> None:
    await engine.run_ddl("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
    await engine.run_ddl("INSERT INTO counter (id, value) VALUES (1, 0)")
    await engine.run_ddl("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await engine.run_ddl(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, "
        "parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )


def test_concurrent_writers_take_turns(tmp_path: Path) -> None:
    engine, counter = _engine(tmp_path)

    async def bump() -> None:
        # Deferred on purpose: read, yield to the other tasks, then write.
        async with engine.transaction():
            value = (await counter.raw("SELECT value FROM counter WHERE id = 1"))[0]["value"]
            await asyncio.sleep(0)
            async with engine.transaction():  # nested: joins the outer one, no second lock
                await counter.raw("UPDATE counter SET value = {} WHERE id = 1", value + 1)

    async def lone_write(i: int) -> None:
        await engine.run_ddl(f"INSERT INTO child (id, parent) VALUES ({1000 + i}, NULL)")

    async def main() -> tuple[int, int]:
        await _setup(engine)
        await asyncio.wait_for(asyncio.gather(*(bump() for _ in range(100)), *(lone_write(i) for i in range(100))), 30)
        value = (await counter.raw("SELECT value FROM counter WHERE id = 1"))[0]["value"]
        children = (await counter.raw("SELECT COUNT(*) AS n FROM child"))[0]["n"]
        await engine.close_pool()
        return value, children

    assert asyncio.run(main()) == (100, 100)


def test_a_failed_commit_gives_back_the_lock_and_the_connection(tmp_path: Path) -> None:
    engine, counter = _engine(tmp_path)

    async def main() -> None:
        await _setup(engine)
        with pytest.raises(sqlite3.IntegrityError):
            async with engine.transaction(transaction_type=TransactionType.immediate):
                # A deferred foreign key is checked at COMMIT, so COMMIT itself fails.
                await counter.raw("INSERT INTO child (id, parent) VALUES (1, 42)")
        assert not engine.write_lock().locked()
        assert not engine.transaction_exists()
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await counter.raw("UPDATE counter SET value = 7 WHERE id = 1")
        assert (await counter.raw("SELECT value FROM counter"))[0]["value"] == 7
        assert (await counter.raw("SELECT COUNT(*) AS n FROM child"))[0]["n"] == 0
        await engine.close_pool()

    asyncio.run(main())
