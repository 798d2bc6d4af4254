"""The console's agenda-intelligence panel: how good the agenda is, and what the day needs next.

The console page includes ``_console_intelligence.html`` (``{% include ... ignore missing %}``) and
merges :func:`intelligence_context` into its context; this module also owns the panel's one form.
It calls the same services as the API: the draft's proven bound (agenda), the re-balancing
proposal and its application (rooms). Nothing here decides anything.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.response import Redirect

from agenda import services as agenda_services
from agenda.schemas import AgendaOut
from events.dependencies import event_of
from events.tables import Event
from rooms import rebalance
from unconf.errors import DomainError, NotFound
from unconf.i18n import gettext as _
from web.common import flash_cookie, form_fields, page_requires_organizer

__all__ = ["HANDLERS", "intelligence_context"]

ANCHOR = "intelligence"


async def intelligence_context(event: Event) -> dict[str, Any]:
    """What the panel shows, under one key: the agenda's quality line and the day's proposal."""
    shown: AgendaOut | None = None
    try:
        shown = await agenda_services.read_draft(event)
    except NotFound:
        shown = await agenda_services.read_published(event)
    proposal: rebalance.RebalanceOut | None = None
    if event.phase in rebalance.REBALANCE_PHASES and shown is not None:
        try:
            proposal = await rebalance.propose(event)
        except DomainError:
            proposal = None
    return {
        "intelligence": {
            "agenda": shown,
            "quality": shown.quality if shown is not None else "",
            "gap_percent": shown.gap_percent if shown is not None else None,
            "rebalance": proposal,
        }
    }


@post(
    "/e/{slug:str}/organize/rebalance",
    name="console_rebalance",
    status_code=303,
    guards=[page_requires_organizer],
)
async def console_rebalance(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Apply the proposal the organizer saw (its moves come back in the form) to the draft."""
    event = await event_of(request, slug)
    fields = await form_fields(request)
    try:
        moves: list[tuple[int, int, int]] = []
        for raw in fields.get("moves", "").split(";"):
            parts = raw.split(",")
            if len(parts) != 3 or not all(p.isdigit() and len(p) <= 10 for p in parts):
                raise ValueError
            moves.append((int(parts[0]), int(parts[1]), int(parts[2])))
        await rebalance.apply_rebalance(event, rebalance.RebalanceApply(moves=moves))
        message = _("Applied to the draft. Publish the agenda to tell everyone.")
    except ValueError:
        message = "!" + _("That proposal could not be read. Reload the console and try again.")
    except DomainError as exc:
        message = "!" + exc.detail[0].upper() + exc.detail[1:] + "."
    return Redirect(path=f"/e/{slug}/organize#{ANCHOR}", status_code=303, cookies=[flash_cookie(message)])


HANDLERS = [console_rebalance]
