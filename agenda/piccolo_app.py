import os

from piccolo.conf.apps import AppConfig

from agenda.tables import AgendaVersion, Autopilot, Placement, Room, TimeSlot

APP_CONFIG = AppConfig(
    app_name="agenda",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Room, TimeSlot, AgendaVersion, Placement, Autopilot],
    migration_dependencies=["events.piccolo_app", "sessions.piccolo_app"],
    commands=[],
)
