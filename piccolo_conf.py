"""Piccolo's configuration: the engine from UNCONF_DATABASE_URL and every domain app, in dependency order."""

from piccolo.conf.apps import AppRegistry

from unconf.database import engine_from_url
from unconf.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(
    apps=[
        "events.piccolo_app",
        "sessions.piccolo_app",
        "voting.piccolo_app",
        "agenda.piccolo_app",
        "rooms.piccolo_app",
        "notify.piccolo_app",
        "people.piccolo_app",
        "community.piccolo_app",
        "conversation.piccolo_app",
        "exports.piccolo_app",
        "newsletter.piccolo_app",
        "instance.piccolo_app",
        "rhythm.piccolo_app",
    ]
)
