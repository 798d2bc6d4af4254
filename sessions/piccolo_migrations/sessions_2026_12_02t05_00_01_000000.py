"""Proposal.repeatable: the organizer lets the agenda run this session twice when a crowd wants it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T05:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "proposal.repeatable"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sessions", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Proposal",
        tablename="proposal",
        column_name="repeatable",
        db_column_name="repeatable",
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
