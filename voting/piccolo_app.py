import os

from piccolo.conf.apps import AppConfig

from voting.tables import Vote

APP_CONFIG = AppConfig(
    app_name="voting",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Vote],
    migration_dependencies=["events.piccolo_app", "sessions.piccolo_app"],
    commands=[],
)
