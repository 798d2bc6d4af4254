"""Composite indexes for video links and room visits that Piccolo columns cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-21T14:21:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "video link and room visit indexes"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS video_link_key_unique ON video_link (event, key)",
    "CREATE INDEX IF NOT EXISTS room_visit_person ON room_visit (event, participant, ended_at)",
    "CREATE INDEX IF NOT EXISTS room_visit_proposal ON room_visit (proposal)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="rooms", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
