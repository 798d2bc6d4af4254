"""The app factory: wires routes, plugins and error handling; no rules live here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from agenda import services as agenda_services
from agenda import slots as agenda_slots
from agenda import versions as agenda_versions
from agenda.autopilot import autopilot_lifespan
from agenda.controllers import AgendaController, AutopilotController, RoomController, SlotController
from community import services as community_services
from community.controllers import COMMUNITY_HANDLERS
from conversation import notes as conversation_notes
from conversation import personal_data as conversation_data
from conversation import welcome as conversation_welcome
from conversation.controllers import CONVERSATION_HANDLERS
from events import personal_data as event_data
from events import services as event_services
from events.controllers import AttendanceController, EventController, live_updates
from events.dependencies import who_is_asking
from exports import digest
from exports import schedule as export_schedule
from exports import services as export_services
from exports.routes import EXPORT_HANDLERS
from instance.controllers import OperatorController, metrics_endpoint
from instance.retention import retention_lifespan
from newsletter import services as newsletter_services
from newsletter.controllers import NEWSLETTER_HANDLERS
from newsletter.scheduler import newsletter_lifespan
from notify import mail as notify_mail
from notify import notices as notify_notices
from notify import outbox as notify_outbox
from notify import personal_data as notify_data
from notify.controllers import NOTIFY_HANDLERS
from notify.worker import notify_lifespan
from people import personal_data as people_data
from people import services as people_services
from people.controllers import PEOPLE_HANDLERS
from rhythm import carry as rhythm_carry
from rhythm import personal_data as rhythm_data
from rhythm.controllers import RHYTHM_HANDLERS
from rooms import links as room_links
from rooms.controllers import ROOM_API_HANDLERS, EdcampController
from sessions import personal_data as session_data
from sessions import services as session_services
from sessions.controllers import ProposalController
from sessions.notes import NotesController
from unconf import __version__, guards, i18n, logredact, logs, metrics, personal_data, realtime
from unconf.bodies import Request as StrictJSONRequest
from unconf.database import close_connection_pool, start_connection_pool
from unconf.errors import exception_handlers
from unconf.health import healthz, readyz
from unconf.openapi import document_errors
from unconf.security import add_security_headers
from unconf.settings import Settings, get_settings
from unconf.shutdown import graceful_shutdown
from voting import personal_data as voting_data
from voting import services as voting_services
from voting.controllers import MeController, MergeController, VoteController
from web import WEB_DIR, web_templates
from web.assets import serve_asset
from web.common import page_error
from web.community import COMMUNITY_PAGE_HANDLERS
from web.conversation import CONVERSATION_PAGE_HANDLERS
from web.language import LANGUAGE_PAGE_HANDLERS
from web.newsletter import NEWSLETTER_PAGE_HANDLERS
from web.operator import OPERATOR_PAGE_HANDLERS
from web.pages import PAGE_HANDLERS
from web.rhythm import RHYTHM_PAGE_HANDLERS
from web.rooms import ROOM_PAGE_HANDLERS


@asynccontextmanager
async def database_pool(_: Litestar) -> AsyncIterator[None]:
    await start_connection_pool()
    try:
        yield
    finally:
        await close_connection_pool()


API_DOCS_ASSETS = "/static/apidocs"
API_DOCS_FAVICON = "<link rel='icon' href='/static/favicon.svg' type='image/svg+xml'>"


def wire() -> None:
    """Plug the domains into each other's ports and the realtime bus; idempotent.

    Dependencies run one way (see ARCHITECTURE.md). Where a lower layer needs an answer or a
    reaction from a higher one, the higher one is plugged in here, in one visible place.
    """
    guards.WHO_IS_ASKING.plug(who_is_asking)
    event_services.HAS_PUBLISHED_AGENDA.plug(agenda_versions.has_published_agenda)
    event_services.SLOT_STARTS.plug(agenda_slots.slot_starts)
    event_services.PERSONAL_ACCESS.plug(export_services.drop_feeds)
    session_services.TALLIES.plug(voting_services.tallies)
    agenda_versions.SESSION_VIDEO_LINKS.plug(room_links.session_links)
    notify_mail.PERSONAL_LINKS.plug(people_services.personal_link)
    notify_mail.DIGEST.plug(digest.digest_for_mail)
    agenda_services.CARRIED_INTEREST.plug(rhythm_carry.carried_interest)
    notify_mail.register_mail_kind(rhythm_carry.CARRY_EMAIL, rhythm_carry.build_carry_email, preference="reminders")
    notify_mail.register_mail_kind(
        conversation_notes.NOTE_EMAIL, conversation_notes.build_note_email, preference="notes"
    )
    # Order matters: video links exist before the notices about a published agenda are queued.
    realtime.subscribe(room_links.on_agenda_published)
    # Calendars notice slot times edited after publishing when the slot changes, not when they read.
    realtime.subscribe(export_schedule.on_agenda_changed)
    realtime.subscribe(notify_notices.dispatch)
    community_services.register_mail()
    # A newcomer's welcome: queued on joining, sent (and followed up a week on) by notify's outbox worker.
    realtime.subscribe(conversation_welcome.on_participant_joined)
    notify_outbox.register_task(conversation_welcome.WELCOME_TASK, conversation_welcome.send_welcome)
    notify_outbox.register_task(conversation_welcome.FOLLOW_UP_TASK, conversation_welcome.send_follow_up)
    # Members' preferences apply to every member mail; digests and the newsletter go through the outbox.
    notify_mail.WANTS.plug(newsletter_services.row_wanted)
    notify_mail.UNSUBSCRIBE_LINK.plug(newsletter_services.unsubscribe_link)
    conversation_notes.IN_APP_WANTED.plug(newsletter_services.participant_wants)
    notify_mail.register_mail_kind(
        newsletter_services.DIGEST_MAIL, newsletter_services.build_digest_mail, preference="digest"
    )
    notify_mail.register_mail_kind(
        newsletter_services.ISSUE_MAIL, newsletter_services.build_issue_mail, preference="newsletter"
    )
    notify_outbox.register_task(newsletter_services.ISSUE_TASK, newsletter_services.send_issue)
    # A closed event offers what did not make its agenda to the series' next event.
    realtime.subscribe(rhythm_carry.on_phase_changed)
    # What each domain holds about a person, lowest layer first (erasure runs them highest first).
    personal_data.register("events", event_data.contribute, event_data.erase, event_data.after_erasure)
    personal_data.register("sessions", session_data.contribute, session_data.erase)
    personal_data.register("voting", voting_data.contribute, voting_data.erase)
    personal_data.register("notify", notify_data.contribute, notify_data.erase)
    personal_data.register("people", people_data.contribute, people_data.erase)
    personal_data.register("community", community_services.contribute, community_services.erase)
    personal_data.register("conversation", conversation_data.contribute, conversation_data.erase)
    personal_data.register("newsletter", newsletter_services.contribute, newsletter_services.erase)
    personal_data.register("rhythm", rhythm_data.contribute, rhythm_data.erase)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wire()
    logs.configure(settings.log_format)
    channels = realtime.make_channels_plugin(settings.redis_url)
    app = Litestar(
        route_handlers=[
            EventController,
            AttendanceController,
            OperatorController,
            ProposalController,
            VoteController,
            MeController,
            MergeController,
            RoomController,
            SlotController,
            AgendaController,
            AutopilotController,
            live_updates,
            healthz,
            serve_asset,
            readyz,
            metrics_endpoint,
            *ROOM_API_HANDLERS,
            NotesController,
            EdcampController,
            *ROOM_PAGE_HANDLERS,
            *PAGE_HANDLERS,
            *COMMUNITY_PAGE_HANDLERS,
            *OPERATOR_PAGE_HANDLERS,
            *EXPORT_HANDLERS,
            *PEOPLE_HANDLERS,
            *NOTIFY_HANDLERS,
            *COMMUNITY_HANDLERS,
            *CONVERSATION_HANDLERS,
            *CONVERSATION_PAGE_HANDLERS,
            *LANGUAGE_PAGE_HANDLERS,
            *NEWSLETTER_HANDLERS,
            *NEWSLETTER_PAGE_HANDLERS,
            *RHYTHM_HANDLERS,
            *RHYTHM_PAGE_HANDLERS,
            create_static_files_router(
                path="/static",
                directories=[WEB_DIR / "static"],
                name="static",
                cache_control=CacheControlHeader(max_age=600, public=True),
            ),
        ],
        plugins=[channels],
        exception_handlers=exception_handlers(render_page=page_error),
        lifespan=[
            database_pool,
            voting_services.tally_messages_lifespan,
            realtime.cache_invalidation,
            autopilot_lifespan,
            notify_lifespan,
            newsletter_lifespan,
            retention_lifespan,
            graceful_shutdown,
        ],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(web_templates())),
        openapi_config=OpenAPIConfig(
            title="unconf",
            version=__version__,
            description="Run an Edcamp morning: proposals, dot voting, an optimized agenda, a live board.",
            path="/schema",
            # The viewers come from web/static/apidocs (see its README): the API docs work offline.
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=f"{API_DOCS_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{API_DOCS_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{API_DOCS_ASSETS}/swagger-ui-standalone-preset.js",
                    favicon=API_DOCS_FAVICON,
                ),
                RedocRenderPlugin(
                    js_url=f"{API_DOCS_ASSETS}/redoc.standalone.js", google_fonts=False, favicon=API_DOCS_FAVICON
                ),
            ],
        ),
        request_max_body_size=settings.max_body_bytes,
        request_class=StrictJSONRequest,
        before_send=[add_security_headers],
        # Pages, calendars and schedules go out gzip-compressed to clients that accept it; hashed
        # assets are compressed once, ahead of time (their route says so with this opt key).
        compression_config=CompressionConfig(
            backend="gzip", gzip_compress_level=6, minimum_size=1024, exclude_opt_key="precompressed"
        ),
        debug=False,
        # Litestar's records go to the root logger, whose one handler writes our format (unconf/logs.py).
        logging_config=LoggingConfig(
            configure_root_logger=False,
            loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        ),
    )
    document_errors(app)
    # Around routing itself, so unknown paths count too: requests by route template, status and time.
    # Outermost: the request id, so every log line of the request (the access log too) carries it.
    # The language each request is shown in (the switcher's cookie, else Accept-Language): unconf/i18n.py.
    app.asgi_handler = logs.RequestId(metrics.RequestObserver(i18n.LanguageMiddleware(app.asgi_handler)))
    # After Litestar set up its logging (and uvicorn its own): every handler is in place to filter.
    logredact.install()
    return app


def app_from_env() -> Litestar:
    """Entry point for uvicorn's ``--factory`` (used by ``unconf serve`` with several workers)."""
    return create_app()
