import os

from piccolo.conf.apps import AppConfig

from exports.tables import CalendarFeed, SessionRevision

APP_CONFIG = AppConfig(
    app_name="exports",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[CalendarFeed, SessionRevision],
    migration_dependencies=["events.piccolo_app", "sessions.piccolo_app"],
    commands=[],
)
