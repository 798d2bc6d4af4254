import os

from piccolo.conf.apps import AppConfig

from newsletter.tables import LadderMark, NewsletterIssue, NewsletterItem, NotificationPreference, SigningKey

APP_CONFIG = AppConfig(
    app_name="newsletter",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[NotificationPreference, NewsletterItem, NewsletterIssue, SigningKey, LadderMark],
    migration_dependencies=["conversation.piccolo_app"],
    commands=[],
)
