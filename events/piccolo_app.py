import os

from piccolo.conf.apps import AppConfig

from events.tables import Event, Participant

APP_CONFIG = AppConfig(
    app_name="events",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Event, Participant],
    migration_dependencies=[],
    commands=[],
)
