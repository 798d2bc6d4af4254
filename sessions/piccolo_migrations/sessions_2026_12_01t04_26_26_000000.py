"""One invitation per person and proposal: naming someone again asks again on the same row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-01T04:26:26:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique facilitator invitations"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS facilitator_invite_unique ON facilitator_invite (proposal, participant)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sessions", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
