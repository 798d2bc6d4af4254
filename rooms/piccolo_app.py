import os

from piccolo.conf.apps import AppConfig

from rooms.tables import Room, RoomVisit, VideoLink, VideoSettings

APP_CONFIG = AppConfig(
    app_name="rooms",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Room, VideoSettings, VideoLink, RoomVisit],
    migration_dependencies=["unconf.piccolo_app", "sessions.piccolo_app"],
    commands=[],
)
