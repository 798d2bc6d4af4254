"""One revision number per session's notes: two saves on the same base cannot both win."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-21T14:21:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "session note revision unique"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS session_note_revision_unique ON session_note (proposal, revision)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sessions", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
