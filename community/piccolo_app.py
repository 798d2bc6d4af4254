import os

from piccolo.conf.apps import AppConfig

from community.tables import Attendance, Block, Community, CommunityEvent, Greeting, Member, Profile

APP_CONFIG = AppConfig(
    app_name="community",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Community, CommunityEvent, Member, Attendance, Profile, Block, Greeting],
    migration_dependencies=["people.piccolo_app"],
    commands=[],
)
