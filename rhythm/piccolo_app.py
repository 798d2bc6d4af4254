import os

from piccolo.conf.apps import AppConfig

from rhythm.tables import CarryOffer, CommunityRhythm, EventRhythm

APP_CONFIG = AppConfig(
    app_name="rhythm",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[CommunityRhythm, EventRhythm, CarryOffer],
    migration_dependencies=["community.piccolo_app", "sessions.piccolo_app"],
    commands=[],
)
