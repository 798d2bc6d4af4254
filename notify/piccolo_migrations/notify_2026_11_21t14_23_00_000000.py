"""The index the outbox worker's "what is due" query uses."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-21T14:23:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox due index"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notify", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
