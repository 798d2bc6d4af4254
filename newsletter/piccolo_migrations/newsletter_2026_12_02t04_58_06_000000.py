"""Composite unique indexes Piccolo columns cannot express: one preference per member, kind and channel;
one newsletter item per member per week; one issue per community per week; one ladder mark per rung."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T04:58:06:000000"
VERSION = "1.38.0"
DESCRIPTION = "newsletter unique indexes"


class RawSQL(Table, tablename="migration"):
    pass


STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS notification_preference_unique "
    "ON notification_preference (member, kind, channel)",
    "CREATE UNIQUE INDEX IF NOT EXISTS newsletter_item_one_a_week ON newsletter_item (member, week)",
    "CREATE UNIQUE INDEX IF NOT EXISTS newsletter_issue_unique ON newsletter_issue (community, week)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ladder_mark_unique ON ladder_mark (member, rung)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="newsletter", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(run)
    return manager
