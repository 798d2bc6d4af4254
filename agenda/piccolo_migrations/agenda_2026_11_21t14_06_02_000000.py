"""Composite unique indexes Piccolo columns cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-21T14:06:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique constraints"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS agenda_version_unique ON agenda_version (event, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS placement_proposal_unique ON placement (agenda, proposal)",
    "CREATE UNIQUE INDEX IF NOT EXISTS placement_place_unique ON placement (agenda, slot, room)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="agenda", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
