"""Room.video_equipped: remote people can join sessions held there (hybrid events)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T06:25:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "room.video_equipped"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="agenda", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Room",
        tablename="room",
        column_name="video_equipped",
        db_column_name="video_equipped",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
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
