"""Pages for people talking: a topic's chat (a partial the session, notes and hallway pages include), the
inbox, a note to one person, and the organizers' reports. Same services as the API; forms work without
JavaScript, and ``static/chat.js`` makes the chat and the inbox live over the event's one socket.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from community import services as community_services
from community.controllers import signed_in_member
from conversation import blocks, chat, moderation, notes, welcome
from conversation.schemas import ChatOut, ChatPost, ChoicesIn, GreeterMessageIn, NoteSend
from events.dependencies import event_of, guarded_participant
from events.tables import Event, Participant
from unconf import i18n, ratelimit
from unconf.auth import client_address, is_organizer
from unconf.errors import DomainError, ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import aware
from web.common import (
    PAGE_EXCEPTION_HANDLERS,
    clear_flash,
    event_tz,
    flash_cookie,
    form_fields,
    is_fetch,
    page_requires_organizer,
    page_requires_participant,
    phase_label,
    read_flash,
)


def _context(request: Request[Any, Any, Any], event: Event, me: Participant, **extra: Any) -> dict[str, Any]:
    """What every phone page shows (as ``web.pages.base_context``, which includes this module's partial)."""
    ends = aware(event.phase_ends_at)
    flash = read_flash(request)
    return {
        "event": event,
        "me": me,
        "phase": event.phase,
        "phase_label": phase_label(event.phase),
        "ends_local": i18n.format_time(ends, event_tz(event)) if ends else "",
        "flash": flash.lstrip("!"),
        "flash_error": flash.startswith("!"),
        "is_organizer": is_organizer(me),
        **extra,
    }


PRIVATE = {"Cache-Control": "no-store"}  # people's words are nobody's cache's business


def _page(template: str, context: dict[str, Any]) -> Template:
    cookies = [clear_flash()] if context.get("flash") else []
    return Template(template_name=template, context=context, cookies=cookies, headers=PRIVATE)


def _see_other(path: str, message: str = "") -> Redirect:
    return Redirect(path=path, status_code=303, cookies=[flash_cookie(message)] if message else [])


async def chat_context(event: Event, me: Participant | None, proposal_id: int | None, back: str) -> dict[str, Any]:
    """What ``_chat.html`` needs: the chat read as ``me`` (None for people who have not joined: no chat)."""
    if me is None:
        return {"chat": None}
    hidden = await blocks.hidden_from(me)
    out: ChatOut = await chat.read_chat(event, me, proposal_id, hidden=hidden)
    # chat.js drops live lines from these people too: blocked people never reach you, live or not.
    return {"chat": out, "chat_back": back, "chat_moderator": is_organizer(me), "chat_hidden": sorted(hidden)}


def _local_back(value: str, slug: str) -> str:
    """Where a form goes back to: a path of this event only (never another site)."""
    return value if value.startswith(f"/e/{slug}/") and "//" not in value and "\\" not in value else f"/e/{slug}"


def _convert(fields: dict[str, Any], kind: type[Any]) -> Any:
    try:
        return msgspec.convert(fields, kind)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(_("the text is empty or too long"), field="text") from exc


async def _spend(request: Request[Any, Any, Any], bucket: str, me: Participant) -> None:
    await ratelimit.check(bucket, address=client_address(request), participant=me.id)


# --- chat ----------------------------------------------------------------------------------------


@post("/e/{slug:str}/chat/{topic:str}", name="chat_say", status_code=303, guards=[page_requires_participant])
async def chat_say(request: Request[Any, Any, Any], slug: FromPath[str], topic: FromPath[str]) -> Response[Any]:
    """The chat form without JavaScript (chat.js posts to the API instead)."""
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    if topic != chat.MAIN and not (topic.isdigit() and len(topic) <= 10):
        raise ValidationFailed(_("no such chat"), field="topic")
    await _spend(request, "chat", me)
    await chat.post_chat(
        event, me, None if topic == chat.MAIN else int(topic), _convert({"text": fields.get("text", "")}, ChatPost)
    )
    return Redirect(path=_local_back(fields.get("back", ""), slug) + "#chat", status_code=303)


@post(
    "/e/{slug:str}/chat/messages/{message_id:int}/remove",
    name="chat_remove",
    status_code=303,
    guards=[page_requires_organizer],
)
async def chat_remove(request: Request[Any, Any, Any], slug: FromPath[str], message_id: FromPath[int]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    await chat.remove_chat(event, me, message_id)
    return _see_other(_local_back(fields.get("back", ""), slug) + "#chat", _("Message removed."))


@post(
    "/e/{slug:str}/chat/messages/{message_id:int}/report",
    name="chat_report",
    status_code=303,
    guards=[page_requires_participant],
)
async def chat_report(request: Request[Any, Any, Any], slug: FromPath[str], message_id: FromPath[int]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    await _spend(request, "report", me)
    await moderation.report(event, me, chat_id=message_id, reason=fields.get("reason", ""))
    return _see_other(_local_back(fields.get("back", ""), slug) + "#chat", _("Reported to the organizers."))


@get("/e/{slug:str}/chat", name="main_chat", guards=[page_requires_participant])
async def main_chat_page(request: Request[Any, Any, Any], slug: FromPath[str]) -> Template:
    event, me = await event_of(request, slug), guarded_participant(request)
    context = await chat_context(event, me, None, f"/e/{slug}/chat")
    return _page("main_chat.html", _context(request, event, me, nav="chat", **context))


# --- notes between people ---------------------------------------------------------------------------


@get("/e/{slug:str}/inbox", name="inbox", guards=[page_requires_participant])
async def inbox_page(request: Request[Any, Any, Any], slug: FromPath[str]) -> Template:
    event, me = await event_of(request, slug), guarded_participant(request)
    box = await notes.inbox(event, me, mark_read=True)
    unread = {t.id for t in box.threads if t.unread}
    context = _context(request, event, me, box=box, unread=unread, choices=await notes.choices(me), nav="inbox")
    return _page("inbox.html", context)


@post("/e/{slug:str}/inbox/{thread_id:int}", name="inbox_reply", status_code=303, guards=[page_requires_participant])
async def inbox_reply(request: Request[Any, Any, Any], slug: FromPath[str], thread_id: FromPath[int]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    await _spend(request, "note", me)
    await notes.reply(event, me, thread_id, _convert({"text": fields.get("text", "")}, NoteSend))
    return _see_other(f"/e/{slug}/inbox#thread-{thread_id}", _("Sent."))


@post("/e/{slug:str}/inbox/choices", name="inbox_choices", status_code=303, guards=[page_requires_participant])
async def inbox_choices(request: Request[Any, Any, Any], slug: FromPath[str]) -> Redirect:
    _event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    data = ChoicesIn(email_notes=fields.get("email_notes") == "on", anonymous_in_record=fields.get("anonymous") == "on")
    await notes.set_choices(me, data)
    return _see_other(f"/e/{slug}/inbox#choices", _("Your choices are saved."))


@post(
    "/e/{slug:str}/inbox/notes/{note_id:int}/report",
    name="note_report",
    status_code=303,
    guards=[page_requires_participant],
)
async def note_report(request: Request[Any, Any, Any], slug: FromPath[str], note_id: FromPath[int]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    await _spend(request, "report", me)
    await moderation.report(event, me, note_id=note_id, reason=fields.get("reason", ""))
    return _see_other(f"/e/{slug}/inbox", _("Reported to the organizers."))


@get("/e/{slug:str}/people/{participant_id:int}/note", name="note_form", guards=[page_requires_participant])
async def note_form(request: Request[Any, Any, Any], slug: FromPath[str], participant_id: FromPath[int]) -> Template:
    """ "Say hi" from the peers list: a note to one person, above it what we already said."""
    event, me = await event_of(request, slug), guarded_participant(request)
    other = await moderation.event_person(event, participant_id)
    thread = await notes.thread_with(event, me, participant_id)
    reachable = other.id != me.id and not await blocks.blocked_either_way(me, other)
    context = _context(request, event, me, other=other, thread=thread, reachable=reachable, nav="inbox")
    return _page("note.html", context)


@post(
    "/e/{slug:str}/people/{participant_id:int}/note",
    name="note_send",
    status_code=303,
    guards=[page_requires_participant],
)
async def note_send(
    request: Request[Any, Any, Any], slug: FromPath[str], participant_id: FromPath[int]
) -> Redirect | Response[Any]:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    await _spend(request, "note", me)
    sent = await notes.send_note(event, me, participant_id, _convert({"text": fields.get("text", "")}, NoteSend))
    if is_fetch(request):
        return Response(msgspec.to_builtins(sent), status_code=201)
    return _see_other(f"/e/{slug}/people/{participant_id}/note", _("Your note is on its way."))


# --- organizers ---------------------------------------------------------------------------------------


@get("/e/{slug:str}/organize/conversation", name="moderation", guards=[page_requires_organizer])
async def moderation_page(request: Request[Any, Any, Any], slug: FromPath[str]) -> Template:
    event, me = await event_of(request, slug), guarded_participant(request)
    context = _context(request, event, me, reports=await moderation.reports(event), mutes=await moderation.mutes(event))
    return _page("moderation.html", context)


@post("/e/{slug:str}/organize/conversation/notes/{note_id:int}/remove", name="note_remove", status_code=303,
      guards=[page_requires_organizer])  # fmt: skip
async def note_remove(request: Request[Any, Any, Any], slug: FromPath[str], note_id: FromPath[int]) -> Redirect:
    await notes.remove_note(await event_of(request, slug), note_id)
    return _see_other(f"/e/{slug}/organize/conversation", _("Note removed."))


@post("/e/{slug:str}/organize/conversation/mutes", name="mute", status_code=303, guards=[page_requires_organizer])
async def mute_person(request: Request[Any, Any, Any], slug: FromPath[str]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    try:
        participant_id = int(fields.get("participant_id", ""))
    except ValueError as exc:
        raise DomainError(_("say whom to mute"), field="participant_id") from exc
    if fields.get("unmute") == "1":
        await moderation.unmute(event, participant_id)
        return _see_other(f"/e/{slug}/organize/conversation", _("They can write again."))
    await moderation.mute(event, me, participant_id, fields.get("reason", ""))
    return _see_other(f"/e/{slug}/organize/conversation", _("Muted for this event."))


# --- greeters ------------------------------------------------------------------------------------------


async def _greeter(request: Request[Any, Any, Any], community: str) -> tuple[Any, Any]:
    found = await community_services.get_community(community)
    return found, await signed_in_member(request, found)


@get("/c/{community:str}/greeter", name="greeter_page")
async def greeter_page(request: Request[Any, Any, Any], community: FromPath[str]) -> Template:
    """A greeter's newcomers and their answers, and the words sent in the greeter's name (member sign-in)."""
    found, member = await _greeter(request, community)
    view = await welcome.greeter_view(found, member)
    flash = read_flash(request)
    context = {
        "community": found,
        "view": view,
        "flash": flash.lstrip("!"),
        "flash_error": flash.startswith("!"),
        "event": None,
        "me": None,
    }
    return _page("greeter.html", context)


@post("/c/{community:str}/greeter/message", name="greeter_message", status_code=303)
async def greeter_message(request: Request[Any, Any, Any], community: FromPath[str]) -> Redirect:
    found, member = await _greeter(request, community)
    fields = await form_fields(request)
    data = GreeterMessageIn(
        welcome=fields.get("welcome", ""),
        follow_up=fields.get("follow_up", ""),
        approved=fields.get("approved") == "on",
    )
    saved = await welcome.save_message(member, data)
    said = (
        _("Saved: newcomers get these words in your name.")
        if saved.approved
        else _("Saved. Nothing is sent until you approve.")
    )
    return _see_other(f"/c/{found.slug}/greeter", said)


@post("/c/{community:str}/greeter/threads/{thread_id:int}", name="greeter_answer", status_code=303)
async def greeter_answer(
    request: Request[Any, Any, Any], community: FromPath[str], thread_id: FromPath[int]
) -> Redirect:
    found, member = await _greeter(request, community)
    fields = await form_fields(request)
    await ratelimit.check("note", address=client_address(request), participant=None)
    await welcome.greeter_reply(member, thread_id, _convert({"text": fields.get("text", "")}, NoteSend))
    return _see_other(f"/c/{found.slug}/greeter#newcomer-{thread_id}", _("Sent."))


CONVERSATION_PAGE_HANDLERS: list[Any] = [
    Router(
        path="/",
        route_handlers=[
            chat_say,
            chat_remove,
            chat_report,
            main_chat_page,
            inbox_page,
            inbox_reply,
            inbox_choices,
            note_report,
            note_form,
            note_send,
            moderation_page,
            note_remove,
            mute_person,
            greeter_page,
            greeter_message,
            greeter_answer,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
]
