"""Server-rendered pages people use on the day: the phone flow and the projected board.

Handlers stay thin: they read the form, call the same services the API calls, and render.
Every form works without JavaScript; the small scripts in ``static/`` only add live updates.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from agenda import services as agenda_services
from agenda.schemas import AgendaOut, SessionOut, SlotOut
from community import services as community_services
from events import services as event_services
from events.dependencies import CACHED_EVENT, EVENT_DEPENDENCIES, event_of, guarded_participant
from events.schemas import JoinRequest
from events.tables import Event, Participant
from exports import routes as export_routes
from exports import services as export_services
from rhythm import carry
from sessions import services as proposal_services
from sessions.schemas import ProposalCreate, ProposalOut, ProposalPatch
from unconf import i18n, ratelimit
from unconf.auth import client_address, is_organizer, token_cookie
from unconf.errors import DomainError, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop, ngettext
from unconf.validation import aware, is_plain_email
from voting import services as vote_services
from web import attendance as attendance_page
from web import board as board_pages
from web import console, console_intelligence
from web import conversation as conversation_pages
from web.common import (
    PAGE_EXCEPTION_HANDLERS,
    clear_flash,
    clear_token,
    event_tz,
    flash_cookie,
    form_fields,
    is_fetch,
    local_now,
    page_requires_participant,
    phase_hint,
    phase_label,
    read_flash,
    viewer_for_write,
    viewer_or_none,
)
from web.rendered import PRECOMPRESSED, cached_page, clock_key


def base_context(request: Request[Any, Any, Any], event: Event, me: Participant | None, **extra: Any) -> dict[str, Any]:
    """What every phone page shows: the event, its phase in plain words, who I am, a one-time message."""
    ends = aware(event.phase_ends_at)
    return {
        "event": event,
        "me": me,
        "phase": event.phase,
        "phase_label": phase_label(event.phase),
        "phase_hint": phase_hint(event.phase),
        "ends_local": i18n.format_time(ends, event_tz(event)) if ends else "",
        "flash": read_flash(request).lstrip("!"),
        "flash_error": read_flash(request).startswith("!"),
        "is_organizer": is_organizer(me),
        **extra,
    }


def page(
    template: str,
    context: dict[str, Any],
    status: int = 200,
    cookies: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Template:
    """Render, and drop the one-time message once it has been shown."""
    all_cookies = list(cookies or [])
    if context.get("flash"):
        all_cookies.append(clear_flash())
    return Template(template_name=template, context=context, status_code=status, cookies=all_cookies, headers=headers)


def see_other(path: str, message: str = "") -> Redirect:
    return Redirect(path=path, status_code=303, cookies=[flash_cookie(message)] if message else [])


def home_for(event: Event) -> str:
    """Where a joined person lands: the page their phase is about."""
    if event.phase in ("draft", "proposals"):
        return f"/e/{event.slug}/proposals"
    if event.phase == "voting":
        return f"/e/{event.slug}/vote"
    return f"/e/{event.slug}/agenda"


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]


def _first_error(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    if "$.title" in message:
        if "length" in message:
            return _("The title must be 1 to 120 characters.")
        return _("The title is not valid.")
    if "$.description" in message:
        if "length" in message:
            return _("The description can be at most 2000 characters.")
        return _("The description is not valid.")
    if "$.tags" in message:
        return _("Tags: at most 10 tags of up to 40 characters each.")
    return _("Some of the fields are not valid.")


# --- joining -------------------------------------------------------------------------------------


@get("/e/{slug:str}", name="event_home")
async def event_home(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    """The link people share: in if they joined on this phone, otherwise the join form."""
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    if me is not None:
        return see_other(home_for(event))
    community = await community_services.community_of_event(event.id)
    return page("join.html", base_context(request, event, None, code="", name="", error="", community=community))


@get("/e/{slug:str}/join", name="join_form")
async def join_form(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    event = await event_services.get_event(slug)
    if await viewer_or_none(request, event) is not None:
        return see_other(home_for(event))
    code = (request.query_params.get("code") or "").strip().upper()[:16]
    community = await community_services.community_of_event(event.id)
    return page("join.html", base_context(request, event, None, code=code, name="", error="", community=community))


@post("/e/{slug:str}/join", name="join_submit", status_code=303)
async def join_submit(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    """One field, one tap: a display name (and the code, which the join link carries)."""
    event = await event_services.get_event(slug)
    me = await viewer_for_write(request, event)
    if me is not None:
        return see_other(home_for(event))
    fields = await form_fields(request)
    name, code = fields.get("display_name", "").strip(), fields.get("code", "").strip().upper()
    community = await community_services.community_of_event(event.id)
    member_email = fields.get("member_email", "").strip() if community else ""
    error, status, bad_code = "", 400, False
    if member_email and not is_plain_email(member_email[:254]):
        error = _("That email address does not look right: fix it, or leave it empty to join without staying.")
    elif not name:
        error = _("Please type a name so others know who proposed what.")
    elif len(name) > 80:
        error = _("That name is long: please keep it under 80 characters.")
    elif not code:
        error, bad_code = _("Please type the join code shown on the board."), True
    else:
        await ratelimit.check("join", address=client_address(request))
        try:
            joined = await event_services.join_event(event, JoinRequest(display_name=name, join_code=code[:16]))
        except DomainError as exc:
            error, status = exc.detail[0].upper() + exc.detail[1:] + ".", exc.status_code
            bad_code = exc.field == "join_code"
        else:
            fresh = await event_services.get_event(slug)
            welcome = _("Welcome, {name}!").format(name=joined.participant.display_name)
            if member_email:  # staying as a member of the community, at joining
                person = await Participant.objects().where(Participant.id == joined.participant.id).first()
                try:
                    if person is not None:
                        member, sent = await community_services.stay_as_member(fresh, person, member_email)
                        if sent:
                            welcome += " " + _("A sign-in link is on its way to {email}.").format(
                                email=member.email_key
                            )
                except DomainError as exc:  # joined all the same; staying can be done from "You"
                    welcome += " " + _("You are not a member yet: {reason}.").format(reason=exc.detail)
            return Redirect(
                path=home_for(fresh),
                status_code=303,
                cookies=[token_cookie(slug, joined.token), flash_cookie(welcome)],
            )
    context = base_context(
        request,
        event,
        None,
        code=code,
        name=name[:80],
        error=error,
        bad_code=bad_code,
        community=community,
        member_email=member_email,
    )
    return page("join.html", context, status=status)


SIGNED_OUT = gettext_noop("You are signed out, on this device and every other one; your calendar feed has stopped too.")


@post("/e/{slug:str}/leave", name="leave", status_code=303, guards=[page_requires_participant])
async def leave(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """Sign out (a shared device, or the wrong name): the token ends on every device, with the person's feeds.

    An organizer's key is the event's only way in, so for organizers only this device forgets it.
    """
    participant = guarded_participant(request)
    if is_organizer(participant):
        message = _("This device has forgotten your organizer key; the key itself still works.")
    else:
        await event_services.end_access(participant)
        message = _(SIGNED_OUT)
    return Redirect(path=f"/e/{slug}/join", status_code=303, cookies=[clear_token(slug), flash_cookie(message)])


# --- proposals -----------------------------------------------------------------------------------


async def _proposals_reads(event: Event, me: Participant | None, values: dict[str, str] | None) -> dict[str, Any]:
    proposals = proposal_services.live_only(await proposal_services.cached_proposals(event))
    mine = await proposal_services.facilitated_by(event, me.id) if me else set()
    invitations = await proposal_services.my_invitations(event, me) if me else []
    similar: list[ProposalOut] = []
    if values and values.get("title"):
        similar = await proposal_services.similar_proposals(event, values["title"])
    carried = await carry.carried_counts(event.id)
    return {"proposals": proposals, "mine": mine, "invitations": invitations, "similar": similar, "carried": carried}


def _proposals_context(
    request: Request[Any, Any, Any],
    event: Event,
    me: Participant | None,
    *,
    proposals: list[ProposalOut],
    mine: set[int],
    invitations: list[Any],
    similar: list[ProposalOut],
    carried: dict[int, int] | None = None,
    values: dict[str, str] | None = None,
    error: str = "",
) -> dict[str, Any]:
    return base_context(
        request,
        event,
        me,
        proposals=sorted(proposals, key=lambda p: (p.id not in mine, p.id)),
        mine=mine,
        invitations=invitations,
        can_propose=proposal_services.can_propose(event, me),
        can_edit=proposal_services.can_edit(event, me),
        values=values or {"title": "", "description": "", "tags": ""},
        error=error,
        similar=similar,
        carried=carried or {},
        nav="proposals",
    )


async def _proposals_page(
    request: Request[Any, Any, Any],
    event: Event,
    me: Participant | None,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    reads = await _proposals_reads(event, me, values)
    context = _proposals_context(request, event, me, **reads, values=values, error=error)
    return page("proposals.html", context, status=status)


@get("/e/{slug:str}/proposals", name="proposals", opt=PRECOMPRESSED)
async def proposals_page(request: Request[Any, Any, Any], slug: str) -> Response[bytes] | Template | Redirect:
    event = await event_of(request, slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return see_other(f"/e/{slug}/join")

    async def context() -> dict[str, Any]:
        return _proposals_context(request, event, me, **await _proposals_reads(event, me, None))

    return await cached_page(request, event, "proposals.html", str(me.id), context)


@post("/e/{slug:str}/proposals", name="propose", status_code=303, guards=[page_requires_participant])
async def propose(request: Request[Any, Any, Any], slug: str) -> Template | Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    await ratelimit.check("propose", address=client_address(request), participant=me.id)
    fields = await form_fields(request)
    values = {k: fields.get(k, "") for k in ("title", "description", "tags")}
    try:
        data = msgspec.convert(
            {"title": values["title"], "description": values["description"], "tags": split_tags(values["tags"])},
            ProposalCreate,
        )
        created = await proposal_services.create_proposal(event, me, data)
    except msgspec.ValidationError as exc:
        return await _proposals_page(request, event, me, values=values, error=_first_error(exc), status=400)
    except DomainError as exc:
        return await _proposals_page(request, event, me, values=values, error=exc.detail, status=exc.status_code)
    return see_other(f"/e/{slug}/proposals#p{created.id}", _("Proposed: {title}").format(title=created.title))


@get("/e/{slug:str}/similar", name="similar")
async def similar(request: Request[Any, Any, Any], slug: str) -> Response[Any]:
    """Near-duplicates of a title being typed (JSON for the propose form's script)."""
    event = await event_services.get_event(slug)
    title = (request.query_params.get("title") or "")[:120]
    exclude = request.query_params.get("exclude") or ""
    found = await proposal_services.similar_proposals(
        event, title, exclude_id=int(exclude) if exclude.isdigit() and len(exclude) < 10 else None
    )
    body = [{"id": p.id, "title": p.title, "votes": p.votes} for p in found]
    return Response(body, media_type=MediaType.JSON, headers={"Cache-Control": "no-store"})


async def _own_proposal(request: Request[Any, Any, Any], slug: str, proposal_id: int) -> tuple[Event, Participant, Any]:
    event, me = await event_of(request, slug), guarded_participant(request)
    proposal = await proposal_services.read_proposal(event, proposal_id)
    return event, me, proposal


@get("/e/{slug:str}/proposals/{proposal_id:int}/edit", name="edit_proposal_form")
async def edit_proposal_form(request: Request[Any, Any, Any], slug: str, proposal_id: int) -> Template | Redirect:
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return see_other(f"/e/{slug}/join")
    proposal = await proposal_services.proposal_for_editing(event, proposal_id, me)
    values = {"title": proposal.title, "description": proposal.description, "tags": ", ".join(proposal.tags)}
    context = base_context(request, event, me, proposal=proposal, values=values, error="", nav="proposals")
    return page("edit_proposal.html", context)


@post(
    "/e/{slug:str}/proposals/{proposal_id:int}/edit",
    name="edit_proposal",
    status_code=303,
    guards=[page_requires_participant],
)
async def edit_proposal(request: Request[Any, Any, Any], slug: str, proposal_id: int) -> Template | Redirect:
    event, me, proposal = await _own_proposal(request, slug, proposal_id)
    fields = await form_fields(request)
    values = {k: fields.get(k, "") for k in ("title", "description", "tags")}
    try:
        data = msgspec.convert(
            {"title": values["title"], "description": values["description"], "tags": split_tags(values["tags"])},
            ProposalPatch,
        )
        updated = await proposal_services.update_proposal(event, proposal_id, me, data)
    except (msgspec.ValidationError, DomainError) as exc:
        error = _first_error(exc) if isinstance(exc, msgspec.ValidationError) else exc.detail
        status = exc.status_code if isinstance(exc, DomainError) else 400
        context = base_context(request, event, me, proposal=proposal, values=values, error=error, nav="proposals")
        return page("edit_proposal.html", context, status=status)
    return see_other(f"/e/{slug}/proposals#p{updated.id}", _("Saved your changes."))


@post(
    "/e/{slug:str}/proposals/{proposal_id:int}/withdraw",
    name="withdraw_proposal",
    status_code=303,
    guards=[page_requires_participant],
)
async def withdraw_proposal(request: Request[Any, Any, Any], slug: str, proposal_id: int) -> Redirect:
    event, me, _proposal = await _own_proposal(request, slug, proposal_id)
    withdrawn = await proposal_services.withdraw_proposal(event, proposal_id, me)
    return see_other(
        f"/e/{slug}/proposals",
        _("Withdrawn: {title}. Its dots went back to the voters.").format(title=withdrawn.title),
    )


@post(
    "/e/{slug:str}/proposals/{proposal_id:int}/invitation/{answer:str}",
    name="answer_invitation",
    status_code=303,
    guards=[page_requires_participant],
)
async def answer_invitation(request: Request[Any, Any, Any], slug: str, proposal_id: int, answer: str) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    if answer not in ("accept", "decline"):
        raise NotFound(_("no answer {answer!r}: accept or decline").format(answer=answer[:20]), field="answer")
    answered = await proposal_services.answer_invitation(event, proposal_id, me, accept=answer == "accept")
    if answered.status == "accepted":
        return see_other(
            f"/e/{slug}/proposals#p{proposal_id}", _("You facilitate {title} now.").format(title=answered.title)
        )
    return see_other(f"/e/{slug}/proposals", _("Declined: {title}.").format(title=answered.title))


# --- voting --------------------------------------------------------------------------------------


@get("/e/{slug:str}/vote", name="vote_page", opt=PRECOMPRESSED)
async def vote_page(request: Request[Any, Any, Any], slug: str) -> Response[bytes] | Template | Redirect:
    event = await event_of(request, slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return see_other(f"/e/{slug}/join")

    async def context() -> dict[str, Any]:
        proposals = proposal_services.live_only(await proposal_services.cached_proposals(event))
        mine = await vote_services.my_votes(event, me)
        my_dots = {v.proposal_id: v.dots for v in mine.votes}
        # While voting keep a stable order (no anchoring on early leaders); afterwards rank by dots.
        order = sorted(proposals, key=lambda p: p.id if event.phase == "voting" else -p.votes)
        # After voting: the people who share my interests (those who chose to be suggested).
        peers = (await community_services.peers(event, me))[:3] if my_dots else []
        return base_context(
            request,
            event,
            me,
            proposals=order,
            my_dots=my_dots,
            dots_left=mine.dots_left,
            budget=mine.dots_per_participant,
            can_vote=event.phase == "voting",
            peers=peers,
            carried=await carry.carried_counts(event.id),
            nav="vote",
        )

    return await cached_page(request, event, "vote.html", str(me.id), context)


@post(
    "/e/{slug:str}/vote",
    name="vote_submit",
    status_code=303,
    guards=[page_requires_participant],
    opt={CACHED_EVENT: True},  # step_dots reads the phase, budget and proposal again under its lock
)
async def vote_submit(request: Request[Any, Any, Any], slug: str) -> Response[Any] | Redirect:
    """Add or take back one dot; a plain form redirects back, our script gets the new numbers as JSON."""
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    raw_id, action = fields.get("proposal_id", ""), fields.get("action", "add")
    if not raw_id.isdigit() or len(raw_id) > 10:
        raise NotFound(_("no such proposal"), field="proposal_id")
    proposal_id = int(raw_id)
    await ratelimit.check("vote", address=client_address(request), participant=me.id)
    try:
        step = await vote_services.step_dots(event, me, proposal_id, -1 if action == "remove" else 1)
    except DomainError as exc:
        if is_fetch(request):
            raise
        return see_other(f"/e/{slug}/vote#p{proposal_id}", "!" + exc.detail[0].upper() + exc.detail[1:] + ".")
    result = step.vote
    if is_fetch(request):
        body = {
            "proposal_id": result.proposal_id,
            "dots": result.dots,
            "dots_left": result.dots_left,
            "budget": event.dots_per_participant,
            "votes": result.proposal_votes,
        }
        return Response(body, media_type=MediaType.JSON, status_code=200)
    before = step.before
    if result.dots > before:
        verb = _("Added a dot.")
    elif result.dots < before:
        verb = _("Took back a dot.")
    else:
        verb = _("No change.")
    left = ngettext("{left} of {budget} dot left.", "{left} of {budget} dots left.", event.dots_per_participant).format(
        left=result.dots_left, budget=event.dots_per_participant
    )
    return see_other(f"/e/{slug}/vote#p{proposal_id}", f"{verb} {left}")


# --- agenda --------------------------------------------------------------------------------------


def now_and_next(slots: list[SlotOut], event: Event) -> tuple[int | None, int | None]:
    """The slot running now and the one after it, by the event's clock."""
    now = local_now(event)
    current = next((s.id for s in slots if s.starts_at <= now < s.ends_at), None)
    upcoming = next((s.id for s in sorted(slots, key=lambda s: s.starts_at) if s.starts_at > now), None)
    return current, upcoming


@get("/e/{slug:str}/agenda", name="agenda_page", opt=PRECOMPRESSED)
async def agenda_page(request: Request[Any, Any, Any], slug: str) -> Response[bytes] | Template:
    """My agenda first (with a pick where two of mine clash), then everyone's, by time.

    From memory: the published agenda and this person's own sessions are read models, and the
    page itself is kept per person and minute (the now/next marks move with the clock).
    """
    event = await event_of(request, slug)
    me = await viewer_or_none(request, event)

    async def context() -> dict[str, Any]:
        agenda: AgendaOut | None
        try:
            agenda = await agenda_services.cached_agenda(event)
        except NotFound:
            agenda = None
        my_slots = await agenda_services.my_agenda(event, me.id) if me and agenda else []
        now_id, next_id = now_and_next(agenda.slots, event) if agenda else (None, None)
        by_slot: dict[int, list[SessionOut]] = {}
        if agenda:
            for s in agenda.sessions:
                by_slot.setdefault(s.slot_id, []).append(s)
        return base_context(
            request,
            event,
            me,
            agenda=agenda,
            my_slots=my_slots,
            by_slot=by_slot,
            now_id=now_id,
            next_id=next_id,
            feed=await export_services.feed_status(me) if me else None,
            # After the day: my topics that did not fit, offered to the series' next event.
            carry_offers=len(await carry.my_offers(event, me)) if me and event.phase == "closed" else 0,
            nav="agenda",
        )

    key = f"{me.id if me else 0}:{await clock_key(event)}"
    return await cached_page(request, event, "agenda.html", key, context)


async def session_page(request: Request[Any, Any, Any], event: Event, proposal_id: int) -> Template:
    """One session: what, who, when and where, with its video, notes and calendar links."""
    me = await viewer_or_none(request, event)
    proposal = await proposal_services.read_proposal(event, proposal_id)
    session: SessionOut | None = None
    runs: list[SessionOut] = []
    try:
        agenda = await agenda_services.cached_agenda(event)
        runs = sorted((s for s in agenda.sessions if s.proposal_id == proposal_id), key=lambda s: s.run)
        session = runs[0] if runs else None
    except NotFound:
        pass
    chat = await conversation_pages.chat_context(event, me, proposal.id, f"/e/{event.slug}/s/{proposal.id}")
    return page(
        "session.html",
        base_context(request, event, me, proposal=proposal, s=session, other_runs=runs[1:], nav="agenda", **chat),
    )


@get(
    "/e/{slug:str}/s/{name:str}",
    operation_class=export_routes.ICS_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="One session (<id>.ics)",
)
async def session_ics(
    request: Request[Any, Any, Any], event: NamedDependency[Event], name: FromPath[str]
) -> Response[Any]:
    if name.isdigit():
        # /e/{slug}/s/{id} is the session's page (door-sign QR codes point here); <id>.ics its calendar.
        return await session_page(request, event, int(name))
    return await export_routes.session_ics_response(request, event, name)


PAGE_HANDLERS: list[Any] = [
    Router(
        path="/",
        route_handlers=[
            event_home,
            join_form,
            join_submit,
            leave,
            proposals_page,
            propose,
            similar,
            edit_proposal_form,
            edit_proposal,
            withdraw_proposal,
            answer_invitation,
            vote_page,
            vote_submit,
            agenda_page,
            *board_pages.HANDLERS,
            *console.HANDLERS,
            *console_intelligence.HANDLERS,
            *attendance_page.HANDLERS,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    ),
    session_ics,
]
