"""Community pages: peers and "you" (profile, membership, your data) inside an event, and ``/c/{community}``.

Handlers stay thin: they read the form, call the community services the API calls, and render.
Every form works without JavaScript.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, Router, get, post
from litestar.response import Redirect, Template

from community import services
from community.controllers import member_cookie
from community.schemas import ProfileIn
from community.tables import Community, Member
from events import services as event_services
from events.dependencies import event_of, guarded_participant
from unconf import personal_data, ratelimit
from unconf.auth import client_address, same_origin, token_cookie
from unconf.errors import DomainError, Forbidden, Unauthorized
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from web import rhythm as rhythm_pages
from web import web_templates
from web.common import (
    PAGE_EXCEPTION_HANDLERS,
    clear_flash,
    clear_token,
    flash_cookie,
    form_fields,
    page_requires_participant,
    read_flash,
    viewer_or_none,
)
from web.newsletter import community_context, mark_browsed
from web.pages import base_context, page, see_other, split_tags

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _sentence(exc: DomainError) -> str:
    return "!" + exc.detail[0].upper() + exc.detail[1:] + "."


def profile_from_form(fields: dict[str, str]) -> ProfileIn:
    """The profile form as the API's body (so the same checks apply); a bad field raises."""
    body = {
        "display_name": fields.get("display_name", ""),
        "role": fields.get("role", ""),
        "subjects": split_tags(fields.get("subjects", "")),
        "grade_levels": split_tags(fields.get("grade_levels", "")),
        "city": fields.get("city", ""),
        "can_help": split_tags(fields.get("can_help", "")),
        "looking_for": split_tags(fields.get("looking_for", "")),
        "bio": fields.get("bio", ""),
        "visibility": "attendees" if fields.get("visibility") == "attendees" else "members",
        "in_directory": fields.get("in_directory") == "on",
        "suggest_as_peer": fields.get("suggest_as_peer") == "on",
    }
    return msgspec.convert(body, ProfileIn)


def _form_problem(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    tag_fields = {
        "subjects": gettext_noop("Subjects: at most 10 tags of up to 40 characters each."),
        "grade_levels": gettext_noop("Grade levels: at most 10 tags of up to 40 characters each."),
        "can_help": gettext_noop("I can help with: at most 10 tags of up to 40 characters each."),
        "looking_for": gettext_noop("I'm looking for: at most 10 tags of up to 40 characters each."),
    }
    too_long = {
        "subjects": gettext_noop("Subjects are too long."),
        "grade_levels": gettext_noop("Grade levels are too long."),
        "can_help": gettext_noop('"I can help with" is too long.'),
        "looking_for": gettext_noop('"I\'m looking for" is too long.'),
        "bio": gettext_noop("The bio is too long."),
        "display_name": gettext_noop("The name is too long."),
        "city": gettext_noop("The city is too long."),
        "role": gettext_noop("The role is too long."),
    }
    for field, sentence in too_long.items():
        if f"$.{field}" in message:
            if "length" in message and field in tag_fields:
                return "!" + _(tag_fields[field])
            return "!" + _(sentence)
    return "!" + _("Some of the profile fields are not valid.")


# --- inside an event: peers and "you" --------------------------------------------------------------------------------


@get("/e/{slug:str}/people", name="people_page")
async def people_page(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    """People who share my interests, best first, with a "Say hi" note link."""
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return see_other(f"/e/{slug}/join")
    peers = await services.peers(event, me)
    profile = await services.participant_profile(me.id)
    community = await services.community_of_event(event.id)
    blocks = await services.my_blocks(me)
    context = base_context(
        request, event, me, peers=peers, profile=profile, community=community, blocks=blocks, nav="people"
    )
    return page("people.html", context)


@get("/e/{slug:str}/me", name="you_page")
async def you_page(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    """My profile, my membership of the event's community, and everything unconf holds about me."""
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return see_other(f"/e/{slug}/join")
    community = await services.community_of_event(event.id)
    member = await services.member_of_participant(me.id)
    context = base_context(
        request,
        event,
        me,
        profile=await services.participant_profile(me.id),
        community=community,
        member=member,
        nav="people",
    )
    return page("you.html", context)


@post("/e/{slug:str}/me/profile", name="you_profile", status_code=303, guards=[page_requires_participant])
async def you_profile(request: Request[Any, Any, Any], slug: str) -> Redirect:
    me = guarded_participant(request)
    fields = await form_fields(request)
    back = fields.get("back") if fields.get("back") in ("people", "me") else "me"
    try:
        await services.save_profile(profile_from_form(fields), participant_id=me.id)
    except msgspec.ValidationError as exc:
        return see_other(f"/e/{slug}/{back}#profile", _form_problem(exc))
    except DomainError as exc:
        return see_other(f"/e/{slug}/{back}#profile", _sentence(exc))
    return see_other(f"/e/{slug}/{back}", _("Your profile is saved."))


@post("/e/{slug:str}/me/membership", name="you_membership", status_code=303, guards=[page_requires_participant])
async def you_membership(request: Request[Any, Any, Any], slug: str) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    try:
        member, sent = await services.stay_as_member(event, me, fields.get("email", ""))
    except DomainError as exc:
        return see_other(f"/e/{slug}/me#membership", _sentence(exc))
    message = (
        _("You are a member. A sign-in link is on its way to {email}.").format(email=member.email_key)
        if sent
        else _("You are a member.")
    )
    return see_other(f"/e/{slug}/me", message)


@post("/e/{slug:str}/people/block", name="people_block", status_code=303, guards=[page_requires_participant])
async def people_block(request: Request[Any, Any, Any], slug: str) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    raw = fields.get("participant_id", "")
    if not raw.isdigit() or len(raw) > 10:
        return see_other(f"/e/{slug}/people", "!" + _("No such person."))
    try:
        if fields.get("action") == "unblock":
            await services.unblock(me, int(raw))
            return see_other(f"/e/{slug}/people", _("Unblocked."))
        blocked = await services.block(event, me, int(raw))
    except DomainError as exc:
        return see_other(f"/e/{slug}/people", _sentence(exc))
    return see_other(
        f"/e/{slug}/people",
        _("You blocked {name}. You will not reach each other.").format(name=blocked.display_name),
    )


@get(
    "/e/{slug:str}/me/data.json",
    name="you_data",
    guards=[page_requires_participant],
    media_type="application/json",
)
async def you_data(request: Request[Any, Any, Any], slug: str) -> Response[bytes]:
    me = guarded_participant(request)
    held = await personal_data.collect(await services.person_of(me))
    return Response(
        msgspec.json.encode(held),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="unconf-{slug}-my-data.json"', **PRIVATE},
    )


@post("/e/{slug:str}/me/erase", name="you_erase", status_code=303, guards=[page_requires_participant])
async def you_erase(request: Request[Any, Any, Any], slug: str) -> Redirect:
    me = guarded_participant(request)
    fields = await form_fields(request)
    if fields.get("confirm") != "erase":
        return see_other(f"/e/{slug}/me#erase", "!" + _("Type erase in the box to confirm."))
    try:
        await personal_data.erase(await services.person_of(me))
    except DomainError as exc:
        return see_other(f"/e/{slug}/me#erase", _sentence(exc))
    message = _("Everything about you is erased. Your votes stay only as anonymous tallies.")
    return Redirect(path=f"/e/{slug}/join", status_code=303, cookies=[clear_token(slug), flash_cookie(message)])


# --- the community's own pages ---------------------------------------------------------------------------------------


async def _member_or_none(request: Request[Any, Any, Any], community: Community) -> Member | None:
    token = request.cookies.get(services.member_cookie_name(community.slug))
    if not token:
        return None
    try:
        return await services.member_from_token(community, token)
    except Unauthorized:
        return None


async def _signed_in(request: Request[Any, Any, Any], community: Community) -> Member:
    if not same_origin(request):
        raise Forbidden(_("cross-site request refused: send it from the community's pages"), code="csrf_refused")
    member = await _member_or_none(request, community)
    if member is None:
        raise Unauthorized(_("sign in as a member first (a sign-in link by email)"), field="authorization")
    return member


def _community_page(template: str, request: Request[Any, Any, Any], community: Community, **extra: Any) -> Template:
    flash = read_flash(request)
    context = {
        "event": None,
        "community": community,
        "flash": flash.lstrip("!"),
        "flash_error": flash.startswith("!"),
        **extra,
    }
    cookies = [clear_flash()] if flash else []
    return Template(template_name=template, context=context, cookies=cookies)


@get("/c/{community:str}", name="community_page")
async def community_page(request: Request[Any, Any, Any], community: str) -> Template:
    """The community: its events; for a member, one tap into each and their profile; else a sign-in form."""
    found = await services.get_community(community)
    member = await _member_or_none(request, found)
    events = await services.community_events(found.id)
    mine = set((await services.member_out(member)).events) if member else set()
    open_events = [e for e in events if e.phase not in ("draft", "closed")]
    profile = await services.member_profile(member.id) if member else None
    return _community_page(
        "community.html",
        request,
        found,
        member=member,
        events=events,
        mine=mine,
        open_events=open_events,
        profile=profile,
        **await community_context(found, member),
        rhythm=await rhythm_pages.community_rhythm_context(found),
    )


@post("/c/{community:str}/signin", name="community_signin_request", status_code=303)
async def community_signin_request(request: Request[Any, Any, Any], community: str) -> Redirect:
    found = await services.get_community(community)
    if not same_origin(request):
        raise Forbidden(_("cross-site request refused: send it from the community's pages"), code="csrf_refused")
    await ratelimit.check("member_signin", address=client_address(request))
    fields = await form_fields(request)
    try:
        await services.request_signin(found, fields.get("email", ""))
    except DomainError as exc:
        return see_other(f"/c/{found.slug}#signin", _sentence(exc))
    return see_other(f"/c/{found.slug}", _("If this address is a member's, a sign-in link is on its way."))


@get("/c/{community:str}/signin", name="community_signin_page")
async def community_signin_page(request: Request[Any, Any, Any], community: str) -> Response[str]:
    """A button, not an automatic sign-in: mail scanners that open links must not use up the code."""
    found = await services.get_community(community)
    code = (request.query_params.get("code") or "")[:200]
    flash = read_flash(request)
    html = (
        web_templates()
        .get_template("community_signin.html")
        .render(event=None, community=found, code=code, flash=flash.lstrip("!"), flash_error=flash.startswith("!"))
    )
    return Response(html, media_type=MediaType.HTML, headers=PRIVATE, cookies=[clear_flash()] if flash else [])


@post("/c/{community:str}/signin/redeem", name="community_signin_redeem", status_code=303)
async def community_signin_redeem(request: Request[Any, Any, Any], community: str) -> Redirect:
    found = await services.get_community(community)
    if not same_origin(request):
        raise Forbidden(_("cross-site request refused: open the sign-in link itself"), code="csrf_refused")
    fields = await form_fields(request)
    try:
        _member, token = await services.redeem_signin(found, fields.get("code", ""))
    except DomainError as exc:
        return see_other(f"/c/{found.slug}", _sentence(exc))
    return Redirect(
        path=f"/c/{found.slug}",
        status_code=303,
        cookies=[member_cookie(found.slug, token), flash_cookie(_("You are signed in."))],
        headers=PRIVATE,
    )


@post("/c/{community:str}/events/{event:str}/join", name="community_join", status_code=303)
async def community_join(request: Request[Any, Any, Any], community: str, event: str) -> Redirect:
    """One tap: the member is in the event, under their profile's name, signed in on this device."""
    found = await services.get_community(community)
    member = await _signed_in(request, found)
    try:
        joined, _participant, token = await services.join_with_membership(found, member, event)
    except DomainError as exc:
        return see_other(f"/c/{found.slug}", _sentence(exc))
    return Redirect(
        path=f"/e/{joined.slug}",
        status_code=303,
        cookies=[token_cookie(joined.slug, token), flash_cookie(_("Welcome to {title}!").format(title=joined.title))],
    )


@post("/c/{community:str}/profile", name="community_profile", status_code=303)
async def community_profile(request: Request[Any, Any, Any], community: str) -> Redirect:
    found = await services.get_community(community)
    member = await _signed_in(request, found)
    fields = await form_fields(request)
    try:
        await services.save_profile(profile_from_form(fields), member_id=member.id)
    except msgspec.ValidationError as exc:
        return see_other(f"/c/{found.slug}#profile", _form_problem(exc))
    except DomainError as exc:
        return see_other(f"/c/{found.slug}#profile", _sentence(exc))
    return see_other(f"/c/{found.slug}", _("Your profile is saved."))


@get("/c/{community:str}/directory", name="community_directory")
async def community_directory(request: Request[Any, Any, Any], community: str) -> Template | Redirect:
    found = await services.get_community(community)
    member = await _member_or_none(request, found)
    if member is None:
        return see_other(f"/c/{found.slug}", "!" + _("Sign in as a member to see the member directory."))
    await mark_browsed(member)
    tag = (request.query_params.get("tag") or "")[:40]
    city = (request.query_params.get("city") or "")[:80]
    try:
        entries = await services.directory(found, member, tag=tag, city=city)
    except DomainError as exc:
        return see_other(f"/c/{found.slug}/directory", _sentence(exc))
    return _community_page("directory.html", request, found, member=member, entries=entries, tag=tag, city=city)


@post("/c/{community:str}/signout", name="community_signout", status_code=303)
async def community_signout(request: Request[Any, Any, Any], community: str) -> Redirect:
    found = await services.get_community(community)
    member = await _signed_in(request, found)
    await services.sign_out_member(member)
    response = see_other(f"/c/{found.slug}", _("You are signed out as a member, on every device."))
    response.delete_cookie(services.member_cookie_name(found.slug), path="/")
    return response


COMMUNITY_PAGE_HANDLERS: list[Any] = [
    Router(
        path="/",
        route_handlers=[
            people_page,
            you_page,
            you_profile,
            you_membership,
            people_block,
            you_data,
            you_erase,
            community_page,
            community_signin_request,
            community_signin_page,
            community_signin_redeem,
            community_join,
            community_profile,
            community_directory,
            community_signout,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
]
