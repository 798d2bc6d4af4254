"""The app factory: wires routes, plugins and error handling; no rules live here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from agenda.autopilot import autopilot_lifespan
from agenda.controllers import AgendaController, AutopilotController, SlotController
from exports.routes import EXPORT_HANDLERS
from rooms.api import ROOM_API_HANDLERS
from rooms.controllers import RoomController
from rooms.pages import ROOM_PAGE_HANDLERS
from sessions.controllers import ProposalController
from sessions.notes import NotesController
from unconf import __version__, realtime
from unconf.database import close_connection_pool, start_connection_pool
from unconf.edcamp import EdcampController
from unconf.errors import EXCEPTION_HANDLERS
from unconf.events.controllers import EventController
from unconf.notify.controllers import NOTIFY_HANDLERS
from unconf.notify.worker import notify_lifespan
from unconf.openapi import document_errors
from unconf.people.controllers import PEOPLE_HANDLERS
from unconf.security import add_security_headers
from unconf.settings import Settings, get_settings
from unconf.web.pages import PAGE_HANDLERS
from voting.controllers import VoteController

WEB_DIR = Path(__file__).parent / "web"


@asynccontextmanager
async def database_pool(_: Litestar) -> AsyncIterator[None]:
    await start_connection_pool()
    try:
        yield
    finally:
        await close_connection_pool()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    channels = realtime.make_channels_plugin(settings.redis_url)
    app = Litestar(
        route_handlers=[
            EventController,
            ProposalController,
            VoteController,
            RoomController,
            SlotController,
            AgendaController,
            AutopilotController,
            realtime.live_updates,
            *ROOM_API_HANDLERS,
            NotesController,
            EdcampController,
            *ROOM_PAGE_HANDLERS,
            *PAGE_HANDLERS,
            *EXPORT_HANDLERS,
            *PEOPLE_HANDLERS,
            *NOTIFY_HANDLERS,
            create_static_files_router(
                path="/static",
                directories=[WEB_DIR / "static"],
                name="static",
                cache_control=CacheControlHeader(max_age=600, public=True),
            ),
        ],
        plugins=[channels],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[database_pool, realtime.cache_invalidation, autopilot_lifespan, notify_lifespan],
        template_config=TemplateConfig(directory=WEB_DIR / "templates", engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(
            title="unconf",
            version=__version__,
            description="Run an Edcamp morning: proposals, dot voting, an optimized agenda, a live board.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=settings.max_body_bytes,
        before_send=[add_security_headers],
        debug=False,
    )
    document_errors(app)
    return app


def app_from_env() -> Litestar:
    """Entry point for uvicorn's ``--factory`` (used by ``unconf serve`` with several workers)."""
    return create_app()
