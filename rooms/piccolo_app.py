import os

from piccolo.conf.apps import AppConfig

from rooms.tables import RoomVisit, VideoLink, VideoSettings

APP_CONFIG = AppConfig(
    app_name="rooms",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[VideoSettings, VideoLink, RoomVisit],
    migration_dependencies=["events.piccolo_app", "sessions.piccolo_app", "agenda.piccolo_app"],
    commands=[],
)
