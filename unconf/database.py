"""Engine selection and the transaction helpers every write path uses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table


def sqlite_path(url: str) -> str:
    """``sqlite:///rel.db`` is relative to the working directory, ``sqlite:////abs.db`` absolute."""
    path = url.split(":", 1)[1]
    if path.startswith("///"):
        path = path[3:]
    elif path.startswith("//"):
        path = path[2:]
    return path or "unconf.sqlite"


class _PooledConnection:
    """An aiosqlite connection on loan: ``close()`` gives it back instead of closing it."""

    def __init__(self, engine: PooledSQLiteEngine, connection: aiosqlite.Connection) -> None:
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_connection", connection)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._connection, name, value)

    async def close(self) -> None:
        await self._engine.release(self._connection)


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with a few long-lived connections instead of one per query.

    Opening a connection costs a thread and several system calls; an Edcamp's vote storm
    would spend more time connecting than voting. Connections are per event loop (the CLI
    runs several loops in turn), in WAL mode so readers never wait for the writer.
    """

    POOL_SIZE = 4

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._pools: dict[int, asyncio.Queue[aiosqlite.Connection]] = {}
        self._opened: dict[int, int] = {}
        self._write_locks: dict[int, asyncio.Lock] = {}

    def write_lock(self) -> asyncio.Lock:
        """SQLite has one writer; queueing writers here beats SQLite's sleeping busy handler."""
        key = id(asyncio.get_running_loop())
        if key not in self._write_locks:
            self._write_locks[key] = asyncio.Lock()
        return self._write_locks[key]

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a killed process loses nothing committed; only a power cut may lose the last commits.
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _pool(self) -> tuple[int, asyncio.Queue[aiosqlite.Connection]]:
        key = id(asyncio.get_running_loop())
        if key not in self._pools:
            self._pools[key] = asyncio.Queue()
            self._opened[key] = 0
        return key, self._pools[key]

    async def acquire(self) -> aiosqlite.Connection:
        key, pool = self._pool()
        if pool.empty() and self._opened[key] < self.POOL_SIZE:
            self._opened[key] += 1
            try:
                return await self._open()
            except BaseException:
                self._opened[key] -= 1
                raise
        return await pool.get()

    async def release(self, connection: aiosqlite.Connection) -> None:
        key, pool = self._pool()
        if connection.in_transaction:
            # A transaction left open by a failure must not leak into the next borrower.
            try:
                await connection.rollback()
            except Exception:
                self._opened[key] -= 1
                await connection.close()
                return
        pool.put_nowait(connection)

    async def get_connection(self) -> Any:
        return _PooledConnection(self, await self.acquire())

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        connection = await self.acquire()
        try:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            await self.release(connection)

    async def close_pool(self) -> None:
        key, pool = self._pool()
        while not pool.empty():
            await pool.get_nowait().close()
        self._opened[key] = 0


def engine_from_url(url: str) -> Engine[Any]:
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Writers wait for each other instead of failing with "database is locked".
        return PooledSQLiteEngine(path=path, timeout=60)
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported database URL scheme: {parsed.scheme!r}")
    return PostgresEngine(config={"dsn": url})


def current_engine() -> Engine[Any]:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no Piccolo engine configured (piccolo_conf.DB)")
    return engine


def is_sqlite() -> bool:
    return isinstance(current_engine(), SQLiteEngine)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that takes the write lock up front on SQLite.

    ``BEGIN IMMEDIATE`` serialises writers on SQLite, so a read-check-write
    (a dot budget, a unique slug) cannot interleave with another writer.
    On PostgreSQL callers lock the rows they check with ``lock_row``.
    """
    engine = current_engine()
    if isinstance(engine, PooledSQLiteEngine):
        if engine.current_transaction.get() is not None:
            yield  # already inside a write transaction (nested use)
            return
        async with engine.write_lock(), engine.transaction(transaction_type=TransactionType.immediate):
            yield
    elif isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


async def lock_row(table: type[Table], row_id: int) -> None:
    """Serialise concurrent writers on one row (PostgreSQL); SQLite already holds the lock."""
    if isinstance(current_engine(), PostgresEngine):
        await table.raw(f'SELECT id FROM "{table._meta.tablename}" WHERE id = {{}} FOR UPDATE', row_id)


async def start_connection_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)


async def close_connection_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
