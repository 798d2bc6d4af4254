import os

from piccolo.conf.apps import AppConfig

from notify.tables import Outbox, OutboxAttempt, WebhookEndpoint

APP_CONFIG = AppConfig(
    app_name="notify",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[WebhookEndpoint, Outbox, OutboxAttempt],
    migration_dependencies=["events.piccolo_app"],
    commands=[],
)
