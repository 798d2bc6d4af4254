import os

from piccolo.conf.apps import AppConfig

from people.tables import Registrant

APP_CONFIG = AppConfig(
    app_name="people",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Registrant],
    migration_dependencies=["events.piccolo_app"],
    commands=[],
)
