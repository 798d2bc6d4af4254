"""Engine selection and the transaction helpers every write path uses."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table


def sqlite_path(url: str) -> str:
    """``sqlite:///rel.db`` is relative to the working directory, ``sqlite:////abs.db`` absolute."""
    path = url.split(":", 1)[1]
    if path.startswith("///"):
        path = path[3:]
    elif path.startswith("//"):
        path = path[2:]
    return path or "unconf.sqlite"


class _Cursor:
    """The slice of aiosqlite's cursor Piccolo uses, over a plain sqlite3 cursor."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def description(self) -> Any:
        return self._cursor.description

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int) -> list[Any]:
        return self._cursor.fetchmany(size)

    async def execute(self, sql: str, args: Any = ()) -> _Cursor:
        self._cursor.execute(sql, args)
        return self

    async def close(self) -> None:
        self._cursor.close()


class _Result:
    """What ``connection.execute`` returns: awaitable and an async context manager, as in aiosqlite."""

    def __init__(self, connection: sqlite3.Connection, sql: str, args: Any) -> None:
        self._connection, self._sql, self._args = connection, sql, args
        self._cursor: _Cursor | None = None

    def _run(self) -> _Cursor:
        self._cursor = _Cursor(self._connection.execute(self._sql, self._args))
        return self._cursor

    async def _coro(self) -> _Cursor:
        return self._run()

    def __await__(self) -> Generator[Any, None, _Cursor]:
        return self._coro().__await__()

    async def __aenter__(self) -> _Cursor:
        return self._run()

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class _Connection:
    """A sqlite3 connection with aiosqlite's async face; statements run on the event loop thread.

    A statement on a local SQLite file takes microseconds, far less than handing it to a
    thread and back; writers never wait inside SQLite because the engine queues them first.
    """

    def __init__(self, engine: PooledSQLiteEngine, connection: sqlite3.Connection, pooled: bool) -> None:
        self._engine, self._connection, self._pooled = engine, connection, pooled

    @property
    def row_factory(self) -> Any:
        return self._connection.row_factory

    @row_factory.setter
    def row_factory(self, value: Any) -> None:
        self._connection.row_factory = value

    @property
    def in_transaction(self) -> bool:
        return self._connection.in_transaction

    def execute(self, sql: str, args: Any = ()) -> _Result:
        return _Result(self._connection, sql, args)

    async def commit(self) -> None:
        self._connection.commit()

    async def rollback(self) -> None:
        self._connection.rollback()

    async def close(self) -> None:
        """Give a pooled connection back instead of closing it."""
        if self._pooled:
            self._engine.release(self._connection)
        else:
            self._connection.close()


class _Transaction(SQLiteTransaction):
    """Holds the engine's write lock for the whole transaction (outermost only)."""

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        assert isinstance(engine, PooledSQLiteEngine)
        self._lock = engine.write_lock()
        await self._lock.acquire()
        try:
            return await super().__aenter__()
        except BaseException:
            self._lock.release()
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return await super().__aexit__(exception_type, exception, traceback)
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        finally:
            self._lock.release()


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with long-lived connections and one writer at a time.

    Piccolo opens a connection (and a thread) per query; an Edcamp's vote storm would spend
    more time connecting than voting. Here statements run on the loop thread over a shared
    autocommit connection, transactions borrow pooled connections, and every write — a
    transaction or a lone statement — first takes an asyncio lock, so SQLite's own sleeping
    busy handler never blocks the loop. WAL mode lets readers run beside the writer.
    """

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._loops: dict[int, tuple[asyncio.Lock, list[sqlite3.Connection]]] = {}
        self._shared: dict[int, sqlite3.Connection] = {}

    def _open(self) -> sqlite3.Connection:
        kwargs = dict(self.connection_kwargs)
        path = kwargs.pop("database")
        connection = sqlite3.connect(path, **kwargs, check_same_thread=False)
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = 1")
        connection.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a killed process loses nothing committed; only a power cut may lose the last commits.
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _state(self) -> tuple[asyncio.Lock, list[sqlite3.Connection]]:
        key = id(asyncio.get_running_loop())
        if key not in self._loops:
            self._loops[key] = (asyncio.Lock(), [])
        return self._loops[key]

    def write_lock(self) -> asyncio.Lock:
        return self._state()[0]

    def _shared_connection(self) -> sqlite3.Connection:
        key = id(asyncio.get_running_loop())
        if key not in self._shared:
            self._shared[key] = self._open()
        return self._shared[key]

    def release(self, connection: sqlite3.Connection) -> None:
        if connection.in_transaction:
            connection.rollback()
        self._state()[1].append(connection)

    async def get_connection(self) -> Any:
        idle = self._state()[1]
        return _Connection(self, idle.pop() if idle else self._open(), pooled=True)

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _Transaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        connection = self._shared_connection()
        if query.lstrip()[:6].upper() == "SELECT":
            return connection.execute(query, args or []).fetchall()
        async with self.write_lock():
            return connection.execute(query, args or []).fetchall()

    async def close_pool(self) -> None:
        key = id(asyncio.get_running_loop())
        shared = self._shared.pop(key, None)
        if shared is not None:
            shared.close()
        _, idle = self._loops.pop(key, (None, []))
        for connection in idle:
            connection.close()


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
    if isinstance(engine, SQLiteEngine):
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
