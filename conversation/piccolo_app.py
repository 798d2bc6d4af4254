import os

from piccolo.conf.apps import AppConfig

from conversation.tables import (
    ChatMessage,
    ConversationChoice,
    ConversationMute,
    ConversationReport,
    GreeterMessage,
    PersonalNote,
)

APP_CONFIG = AppConfig(
    app_name="conversation",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[ChatMessage, PersonalNote, ConversationReport, ConversationMute, ConversationChoice, GreeterMessage],
    migration_dependencies=["community.piccolo_app"],
    commands=[],
)
