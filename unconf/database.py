"""Engine selection and the transaction helpers every write path uses."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Generator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString
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
        self._lock: asyncio.Lock | None = None
        self._closed = False

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._connection

    def hold(self, lock: asyncio.Lock) -> None:
        """Release ``lock`` (already acquired) when this connection is closed."""
        self._lock = lock

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
        """Give a pooled connection back instead of closing it, then the write lock it held; only once."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._pooled:
                self._engine.release(self._connection)
            else:
                self._connection.close()
        finally:
            if self._lock is not None:
                self._lock.release()


class _Transaction(SQLiteTransaction):
    """Holds the engine's write lock for the whole outermost transaction.

    Piccolo calls ``get_connection`` only when it opens an outermost transaction (a nested
    one joins its parent) and closes that connection when the transaction ends: the lock
    is taken with the connection and released when the connection is given back. If BEGIN,
    COMMIT or ROLLBACK fails, Piccolo leaves the connection open, so it is given back here.
    """

    _write_connection: _Connection | None = None

    async def get_connection(self) -> Any:
        engine = self.engine
        assert isinstance(engine, PooledSQLiteEngine)
        lock = engine.write_lock()
        await lock.acquire()
        try:
            connection = await engine.get_connection()
        except BaseException:
            lock.release()
            raise
        connection.hold(lock)
        self._write_connection = connection
        return connection

    async def begin(self) -> None:
        try:
            await super().begin()
        except BaseException:
            assert self._write_connection is not None
            await self._write_connection.close()
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        except BaseException:
            if self._write_connection is not None:
                if self.engine.current_transaction.get() is self:
                    self.engine.current_transaction.reset(self.context)
                await self._write_connection.close()
            raise


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with long-lived connections and one writer at a time.

    Piccolo opens a connection (and a thread) per query; an Edcamp's vote storm would spend
    more time connecting than voting. Here statements run on the loop thread over a shared
    autocommit connection, transactions borrow pooled connections, and every write — a
    transaction or a lone statement — first takes an asyncio lock, so SQLite's own sleeping
    busy handler never blocks the loop. WAL mode lets readers run beside the writer.

    Only Piccolo's public engine methods are overridden: ``run_querystring`` and ``run_ddl``
    (every query and DDL statement reaches the engine through them), ``get_connection`` and
    ``transaction``; the transaction class overrides ``get_connection``, ``begin`` and ``__aexit__``.
    """

    def __init__(self, path: str, **kwargs: Any) -> None:
        if sqlite3.sqlite_version_info < (3, 35):
            # Piccolo falls back to a second query for inserted keys before 3.35; this engine does not.
            raise RuntimeError(f"SQLite 3.35 or newer is needed (RETURNING); found {sqlite3.sqlite_version}")
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

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        query, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._run_sql(query, args, str(querystring) if self.log_queries else "")

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        return await self._run_sql(ddl, [], ddl)

    async def _run_sql(self, query: str, args: list[Any], shown: str) -> Any:
        """Run one statement: in the current transaction, else on the shared connection.

        A lone write takes the write lock first; a lone SELECT reads beside the writer (WAL).
        Inside a transaction Piccolo would also repeat ``PRAGMA foreign_keys = 1`` before every
        statement, a no-op there (the pragma is ignored in a transaction; every connection of
        this engine has it on from ``_open``), so it is left out.
        """
        query_id = self.get_query_id()
        if self.log_queries:
            self.print_query(query_id=query_id, query=shown)
        transaction = self.current_transaction.get()
        if transaction is not None:
            connection: _Connection = transaction.connection
            response = connection.sqlite.execute(query, args).fetchall()
        elif query.lstrip()[:6].upper() == "SELECT":
            response = self._shared_connection().execute(query, args).fetchall()
        else:
            async with self.write_lock():
                response = self._shared_connection().execute(query, args).fetchall()
        if self.log_responses:
            self.print_response(query_id=query_id, response=response)
        return response

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


async def lock_rows(table: type[Table], row_ids: Sequence[int]) -> None:
    """``lock_row`` for many rows in one statement, in id order (two such locks never deadlock)."""
    if row_ids and isinstance(current_engine(), PostgresEngine):
        ids = sorted(set(row_ids))
        marks = ", ".join(["{}"] * len(ids))
        await table.raw(f'SELECT id FROM "{table._meta.tablename}" WHERE id IN ({marks}) ORDER BY id FOR UPDATE', *ids)


async def serialise_writers(name: str) -> None:
    """Inside a write transaction: one writer at a time for ``name`` (e.g. "event slugs") until commit.

    For a check-then-insert on a unique value no row exists yet to lock: PostgreSQL takes a
    transaction-scoped advisory lock on the name; SQLite's ``BEGIN IMMEDIATE`` already serialises.
    """
    if isinstance(current_engine(), PostgresEngine):
        await current_engine().run_querystring(QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", name))


def _lean_connection_class() -> type[Any]:
    import asyncpg

    class LeanConnection(asyncpg.Connection):  # type: ignore[misc]
        """Handed back to the pool without asyncpg's reset query (a round trip on every release).

        That query undoes session state: advisory session locks, cursors, LISTEN, ``SET``. unconf keeps
        none (its advisory locks are transaction-scoped, ``serialise_writers``); an open transaction is
        still rolled back by asyncpg on release whatever this returns.
        """

        def get_reset_query(self) -> str:
            return ""

    return LeanConnection


async def start_connection_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20, connection_class=_lean_connection_class())


async def close_connection_pool() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
