import os

from piccolo.conf.apps import AppConfig

from instance.tables import Lease

APP_CONFIG = AppConfig(
    app_name="instance",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Lease],
    migration_dependencies=[],
    commands=[],
)
