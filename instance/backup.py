"""``unconf backup FILE`` and ``unconf restore FILE``: the whole database, safe to back up while serving.

SQLite goes through its online backup API (a consistent snapshot while workers keep writing, in WAL
mode); PostgreSQL through ``pg_dump`` in its custom format, when ``pg_dump`` is installed. The file is
written beside its target and renamed into place, so a failed backup never leaves half a file.
A restore goes into a fresh database (it refuses one that already holds events unless told to replace
it) and then applies any migrations the backup predates.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from unconf.database import sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """Why a backup or restore could not be made; nothing was written."""


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client (e.g. apt-get install postgresql-client)"
        )
    return found


def _postgres_url(url: str) -> str:
    return "postgresql://" + url.removeprefix("postgres://") if url.startswith("postgres://") else url


def backup(url: str, target: Path) -> int:
    """Write the database at ``url`` to ``target``; returns the file's size in bytes."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if _is_sqlite(url):
            source_path = sqlite_path(url)
            if not Path(source_path).exists():
                raise BackupError(f"there is no database at {source_path}")
            source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
            destination = sqlite3.connect(temporary)
            try:
                with destination:
                    source.backup(destination)  # the online backup API: a consistent snapshot
                destination.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                destination.close()
                source.close()
        else:
            done = subprocess.run(
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", temporary, _postgres_url(url)],
                capture_output=True,
                timeout=3600,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.decode(errors='replace').strip()}")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _has_events_sqlite(path: str) -> bool:
    if not Path(path).exists():
        return False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'event'").fetchone()
        return bool(found) and conn.execute("SELECT count(*) FROM event").fetchone()[0] > 0


def _psql(url: str, sql: str) -> bytes:
    done = subprocess.run([_pg_tool("psql"), "-At", "-d", url, "-c", sql], capture_output=True, timeout=60)
    if done.returncode != 0:
        raise BackupError(f"cannot read the target database: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.strip()


def _has_events_postgres(url: str) -> bool:
    if _psql(url, "SELECT to_regclass('event') IS NOT NULL") != b"t":
        return False
    return _psql(url, "SELECT count(*) FROM event") not in (b"", b"0")


def restore(url: str, source: Path, *, replace: bool = False) -> None:
    """Put the backup ``source`` into the database at ``url`` (SQLite file or PostgreSQL database)."""
    try:
        with source.open("rb") as file:
            head = file.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from exc
    if _is_sqlite(url):
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup (the configured database is SQLite)")
        path = sqlite_path(url)
        if _has_events_sqlite(path) and not replace:
            raise BackupError(f"{path} already holds events: restore into a fresh database, or pass --replace")
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(path)
        try:
            with target:
                backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
        return
    if not head.startswith(PG_CUSTOM_MAGIC):
        raise BackupError(f"{source} is not a pg_dump backup (the configured database is PostgreSQL)")
    target_url = _postgres_url(url)
    if _has_events_postgres(target_url) and not replace:
        raise BackupError("the target database already holds events: restore into a fresh database, or pass --replace")
    done = subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "-d",
            target_url,
            str(source),
        ],
        capture_output=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.decode(errors='replace').strip()}")
