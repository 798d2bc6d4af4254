"""Pages for a community's rhythm: the ladder, the newsletter and preferences on ``/c/{community}``,
unsubscribing from an email without signing in, and the organizers' view of the community.

Handlers stay thin: they read the form, call the newsletter services the API calls, and render.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, Router, get, post
from litestar.response import Redirect, Template

from community import services as community_services
from community.tables import Community, Member
from events.dependencies import event_of
from newsletter import services
from newsletter.schemas import PreferencesIn
from unconf.auth import same_origin
from unconf.errors import DomainError, Forbidden, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from web import web_templates
from web.common import PAGE_EXCEPTION_HANDLERS, form_fields, page_requires_organizer, viewer_or_none
from web.pages import base_context, page, see_other

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
UNSUBSCRIBED = {
    "welcome": gettext_noop("welcome emails"),
    "notes": gettext_noop("emails about notes people send you"),
    "digest": gettext_noop("your digest"),
    "newsletter": gettext_noop("the newsletter"),
    "reminders": gettext_noop("event reminders"),
}


def _sentence(exc: DomainError) -> str:
    return "!" + exc.detail[0].upper() + exc.detail[1:] + "."


async def community_context(community: Community, member: Member | None) -> dict[str, Any]:
    """What the community page's ladder, newsletter and preferences partials show (members only)."""
    if member is None:
        return {}
    return {
        "ladder": await services.ladder(community, member),
        "newsletter": await services.newsletter(community, member),
        "preferences": await services.preferences(member),
        "preference_labels": services.kind_labels(),
    }


async def _member(request: Request[Any, Any, Any], community: Community) -> Member:
    if not same_origin(request):
        raise Forbidden(_("cross-site request refused: send it from the community's pages"), code="csrf_refused")
    token = request.cookies.get(community_services.member_cookie_name(community.slug))
    return await community_services.member_from_token(community, token)


@post("/c/{community:str}/newsletter", name="newsletter_add", status_code=303)
async def newsletter_add(request: Request[Any, Any, Any], community: str) -> Redirect:
    found = await community_services.get_community(community)
    member = await _member(request, found)
    fields = await form_fields(request)
    try:
        await services.add_item(found, member, fields.get("text", ""))
    except DomainError as exc:
        return see_other(f"/c/{found.slug}#newsletter", _sentence(exc))
    return see_other(f"/c/{found.slug}#newsletter", _("Your announcement is in this week's newsletter."))


@post("/c/{community:str}/preferences", name="newsletter_preferences", status_code=303)
async def newsletter_preferences(request: Request[Any, Any, Any], community: str) -> Redirect:
    found = await community_services.get_community(community)
    member = await _member(request, found)
    fields = await form_fields(request)
    digest = fields.get("digest", "weekly")
    body = {
        "digest": digest if digest in services.FREQUENCIES else "weekly",
        "kinds": [
            {"kind": kind, "email": fields.get(f"{kind}_email") == "on", "in_app": fields.get(f"{kind}_in_app") == "on"}
            for kind in services.KINDS
            if kind != "digest"
        ],
    }
    data = msgspec.convert(body, PreferencesIn)
    await services.save_preferences(member, data)
    return see_other(f"/c/{found.slug}#preferences", _("Your preferences are saved."))


def _unsubscribe_page(
    request: Request[Any, Any, Any], community: Community, token: str, kind: str, done: bool
) -> Response[str]:
    html = (
        web_templates()
        .get_template("unsubscribe.html")
        .render(
            event=None,
            community=community,
            token=token,
            what=_(UNSUBSCRIBED[kind]) if kind in UNSUBSCRIBED else kind,
            done=done,
            flash="",
            flash_error=False,
        )
    )
    return Response(html, media_type=MediaType.HTML, headers=PRIVATE)


@get("/unsubscribe/{token:str}", name="unsubscribe_page")
async def unsubscribe_page(request: Request[Any, Any, Any], token: str) -> Response[str]:
    """A button, not an automatic unsubscribe: mail scanners that open links must not change anything."""
    _member, kind, community = await services.read_token(token)
    return _unsubscribe_page(request, community, token, kind, done=False)


@post("/unsubscribe/{token:str}", name="unsubscribe_confirm", status_code=200)
async def unsubscribe_confirm(request: Request[Any, Any, Any], token: str) -> Response[str]:
    """The page's button, or a mail client's one-click POST (RFC 8058): the signed link is the proof."""
    kind, community = await services.unsubscribe(token)
    return _unsubscribe_page(request, community, token, kind, done=True)


async def _organized_community(request: Request[Any, Any, Any], slug: str) -> Community:
    event = await event_of(request, slug)
    community = await community_services.community_of_event(event.id)
    if community is None:
        raise NotFound(_("this event belongs to no community yet"), field="slug")
    return community


@get("/e/{slug:str}/organize/community", name="organize_community", guards=[page_requires_organizer])
async def organize_community(request: Request[Any, Any, Any], slug: str) -> Template:
    """Organizers: how many members stand on each rung, and this week's newsletter to edit or trim."""
    community = await _organized_community(request, slug)
    event = await event_of(request, slug)
    me = await viewer_or_none(request, event)
    context = base_context(
        request,
        event,
        me,
        community=community,
        rungs=await services.rung_counts(community),
        newsletter=await services.newsletter(community),
        nav="console",
    )
    return page("organize_community.html", context, headers=PRIVATE)


@post(
    "/e/{slug:str}/organize/community/newsletter",
    name="organize_newsletter",
    status_code=303,
    guards=[page_requires_organizer],
)
async def organize_newsletter(request: Request[Any, Any, Any], slug: str) -> Redirect:
    community = await _organized_community(request, slug)
    fields = await form_fields(request)
    raw = fields.get("item_id", "")
    back = f"/e/{slug}/organize/community#newsletter"
    if not raw.isdigit() or len(raw) > 12:
        return see_other(back, "!" + _("No such newsletter item."))
    try:
        if fields.get("action") == "remove":
            await services.remove_item(community, int(raw))
            return see_other(back, _("The announcement is removed."))
        await services.edit_item(community, int(raw), fields.get("text", ""))
    except DomainError as exc:
        return see_other(back, _sentence(exc))
    return see_other(back, _("The announcement is saved."))


async def mark_browsed(member: Member) -> None:
    """The member opened the directory: a rung of the ladder nothing else records."""
    await services.mark(member.id, "browse")


NEWSLETTER_PAGE_HANDLERS: list[Any] = [
    Router(
        path="/",
        route_handlers=[
            newsletter_add,
            newsletter_preferences,
            unsubscribe_page,
            unsubscribe_confirm,
            organize_community,
            organize_newsletter,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
]
