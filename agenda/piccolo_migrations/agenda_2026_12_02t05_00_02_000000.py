"""A session may have two runs on an agenda (a repeat): one placement per agenda, proposal and run."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T05:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique placement per run"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "DROP INDEX IF EXISTS placement_proposal_unique",
    "CREATE UNIQUE INDEX IF NOT EXISTS placement_run_unique ON placement (agenda, proposal, run)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="agenda", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
