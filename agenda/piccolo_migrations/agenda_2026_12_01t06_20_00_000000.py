"""AgendaVersion.bound: the proven upper bound on the score, stored beside the score."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Float
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T06:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "agenda_version.bound"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="agenda", description=DESCRIPTION)
    manager.add_column(
        table_class_name="AgendaVersion",
        tablename="agenda_version",
        column_name="bound",
        db_column_name="bound",
        column_class_name="Float",
        column_class=Float,
        params={
            "default": None,
            "null": True,
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
