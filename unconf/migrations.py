"""Applying migrations, and adopting databases made before the domains moved house.

Release 0.1 kept events and participants in an app called ``unconf``, rooms in ``rooms`` and
stars in ``exports``. Those tables now belong to ``events``, ``agenda`` and ``sessions``. The
tables themselves never change name or shape: only Piccolo's ``migration`` bookkeeping says
which app ran which migration, so adopting an old database rewrites a few rows there, in one
transaction, before the usual forward run. Nothing else is touched, and running it twice
changes nothing.
"""

from __future__ import annotations

import contextlib
import io
import sys

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.querystring import QueryString

from unconf.database import current_engine, is_sqlite

# (old app, migration id, new app): migrations that now live in another app's folder.
MOVED_MIGRATIONS: tuple[tuple[str, str, str], ...] = (
    ("unconf", "2026-11-21T14:04:59:684050", "events"),
    ("rooms", "2026-11-21T14:05:01:323801", "agenda"),
    ("exports", "2026-11-21T14:22:31:000000", "sessions"),
)
# (already ran, new app, new id): a migration split off one that an old database already ran.
SPLIT_MIGRATIONS: tuple[tuple[tuple[str, str], str, str], ...] = (
    (("exports", "2026-11-21T14:22:30:950109"), "sessions", "2026-11-21T14:22:30:950110"),
)


async def _migration_table_exists() -> bool:
    engine = current_engine()
    if is_sqlite():
        rows = await engine.run_querystring(
            QueryString("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'migration'")
        )
    else:
        rows = await engine.run_querystring(QueryString("SELECT to_regclass('migration') AS name"))
        rows = [r for r in rows if r.get("name")]
    return bool(rows)


async def adopt_legacy_layout() -> int:
    """Point migration rows of release 0.1 at the apps that own those tables now; returns rows changed."""
    if not await _migration_table_exists():
        return 0
    engine = current_engine()
    changed = 0
    async with engine.transaction():
        for old_app, migration_id, new_app in MOVED_MIGRATIONS:
            found = await engine.run_querystring(
                QueryString("SELECT id FROM migration WHERE app_name = {} AND name = {}", old_app, migration_id)
            )
            if found:
                await engine.run_querystring(
                    QueryString(
                        "UPDATE migration SET app_name = {} WHERE app_name = {} AND name = {}",
                        new_app,
                        old_app,
                        migration_id,
                    )
                )
                changed += len(found)
        for (old_app, old_id), new_app, new_id in SPLIT_MIGRATIONS:
            ran_old = await engine.run_querystring(
                QueryString("SELECT ran_on FROM migration WHERE app_name = {} AND name = {}", old_app, old_id)
            )
            has_new = await engine.run_querystring(
                QueryString("SELECT id FROM migration WHERE app_name = {} AND name = {}", new_app, new_id)
            )
            if ran_old and not has_new:
                await engine.run_querystring(
                    QueryString(
                        "INSERT INTO migration (name, app_name, ran_on) VALUES ({}, {}, {})",
                        new_id,
                        new_app,
                        ran_old[0]["ran_on"],
                    )
                )
                changed += 1
    return changed


async def migrate(quiet: bool = False) -> None:
    """Adopt an old layout, apply every app's migrations; SQLite files switch to WAL so readers never wait."""
    await adopt_legacy_layout()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink if quiet else sys.stdout):
        response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}\n{sink.getvalue()}")
    if is_sqlite():
        await current_engine().run_ddl("PRAGMA journal_mode=WAL")


def expected_migrations() -> set[tuple[str, str]]:
    """(app, migration id) of every migration this code ships, from each app's migrations folder."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.conf.apps import Finder

    manager = BaseMigrationManager()
    out: set[tuple[str, str]] = set()
    for app in Finder().get_app_registry().app_configs.values():
        for migration_id in manager.get_migration_modules(str(app.migrations_folder_path)):
            out.add((app.app_name, migration_id))
    return out


async def pending_migrations(expected: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of ``expected`` the database has not run (all of them when it was never migrated)."""
    if not await _migration_table_exists():
        return set(expected)
    rows = await current_engine().run_querystring(QueryString("SELECT app_name, name FROM migration"))
    return expected - {(r["app_name"], r["name"]) for r in rows}
