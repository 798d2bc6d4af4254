"""Rooms say whether breakouts may be placed in them: the main room (plenary, main video) says no."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T06:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "room.hosts_breakouts"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="agenda", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Room",
        tablename="room",
        column_name="hosts_breakouts",
        db_column_name="hosts_breakouts",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": True,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
