"""HTTP for chats, notes between people and moderation: thin, the rules live in the services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from community import services as community_services
from community.controllers import signed_in_member
from conversation import blocks, chat, moderation, notes, welcome
from conversation.schemas import (
    ChatLineOut,
    ChatOut,
    ChatPost,
    ChoicesIn,
    ChoicesOut,
    GreeterMessageIn,
    GreeterMessageOut,
    GreeterOut,
    InboxOut,
    MuteCreate,
    MuteOut,
    NoteOut,
    NoteSend,
    ReportCreate,
    ReportOut,
    ThreadOut,
)
from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event, Participant
from unconf import ratelimit
from unconf.auth import client_address
from unconf.guards import requires_organizer, requires_participant


async def spend(request: Request[Any, Any, Any], bucket: str, who: Participant) -> None:
    await ratelimit.check(bucket, address=client_address(request), participant=who.id)


class TopicChatController(Controller):
    """A proposal's chat, from the moment it is proposed (participants of the event only)."""

    path = "/api/v1/events/{slug:str}/proposals/{proposal_id:int}/chat"
    tags = ["conversation"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_participant]

    @get("/", summary="A topic's chat, oldest first (the latest 200; live as chat.message in room chat:<id>)")
    async def show(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
    ) -> ChatOut:
        return await chat.read_chat(event, participant, proposal_id, hidden=await blocks.hidden_from(participant))

    @post("/", status_code=201, summary="Say something in a topic's chat (at most 1000 characters)")
    async def say(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        proposal_id: FromPath[int],
        data: JSONBody[ChatPost],
    ) -> ChatLineOut:
        await spend(request, "chat", participant)
        return await chat.post_chat(event, participant, proposal_id, data)


class MainChatController(Controller):
    """The main room's chat, and what organizers and reporters do to any chat message."""

    path = "/api/v1/events/{slug:str}/chat"
    tags = ["conversation"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="The main room's chat (live as chat.message in room chat:main)", guards=[requires_participant])
    async def show(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> ChatOut:
        return await chat.read_chat(event, participant, None, hidden=await blocks.hidden_from(participant))

    @post("/", status_code=201, summary="Say something in the main room's chat", guards=[requires_participant])
    async def say(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        data: JSONBody[ChatPost],
    ) -> ChatLineOut:
        await spend(request, "chat", participant)
        return await chat.post_chat(event, participant, None, data)

    @delete("/messages/{message_id:int}", summary="Remove a chat message (organizers)", guards=[requires_organizer])
    async def remove(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], message_id: FromPath[int]
    ) -> None:
        await chat.remove_chat(event, participant, message_id)

    @post(
        "/messages/{message_id:int}/report",
        status_code=201,
        summary="Report a chat message to the organizers",
        guards=[requires_participant],
    )
    async def report(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        message_id: FromPath[int],
        data: JSONBody[ReportCreate],
    ) -> ReportOut:
        await spend(request, "report", participant)
        out = await moderation.report(event, participant, chat_id=message_id, reason=data.reason)
        return out if participant.role == "organizer" else _for_reporter(out)


def _for_reporter(out: ReportOut) -> ReportOut:
    """Reporters learn that the report was taken, not whether the author is muted."""
    out.author_muted = False
    return out


class NotesToController(Controller):
    """A note to one person of the event (never their email address)."""

    path = "/api/v1/events/{slug:str}/notes-to/{participant_id:int}"
    tags = ["conversation"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_participant]

    @get("/", summary="My conversation with this person (null when we have none)")
    async def show(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], participant_id: FromPath[int]
    ) -> ThreadOut | None:
        return await notes.thread_with(event, participant, participant_id)

    @post("/", status_code=201, summary="Send a short note (at most 2000 characters); it joins our conversation")
    async def send(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        participant_id: FromPath[int],
        data: JSONBody[NoteSend],
    ) -> NoteOut:
        await spend(request, "note", participant)
        return await notes.send_note(event, participant, participant_id, data)


class InboxController(Controller):
    path = "/api/v1/events/{slug:str}/inbox"
    tags = ["conversation"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_participant]

    @get("/", summary="My conversations, newest first (live as note.arrived in my room 'person')")
    async def show(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> InboxOut:
        return await notes.inbox(event, participant)

    @get("/{thread_id:int}", summary="One conversation; its notes to me are then read")
    async def thread(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], thread_id: FromPath[int]
    ) -> ThreadOut:
        return await notes.read_thread(event, participant, thread_id)

    @post("/{thread_id:int}", status_code=201, summary="Answer in a conversation (a person's, or a greeter's welcome)")
    async def reply(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        thread_id: FromPath[int],
        data: JSONBody[NoteSend],
    ) -> NoteOut:
        await spend(request, "note", participant)
        return await notes.reply(event, participant, thread_id, data)

    @post("/notes/{note_id:int}/report", status_code=201, summary="Report a note to the organizers")
    async def report(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        note_id: FromPath[int],
        data: JSONBody[ReportCreate],
    ) -> ReportOut:
        await spend(request, "report", participant)
        return _for_reporter(await moderation.report(event, participant, note_id=note_id, reason=data.reason))

    @get("/choices", summary="My choices: notes by email, my name in the kept chat record")
    async def read_choices(self, participant: NamedDependency[Participant]) -> ChoicesOut:
        return await notes.choices(participant)

    @patch("/choices", summary="Change my choices")
    async def set_choices(self, participant: NamedDependency[Participant], data: JSONBody[ChoicesIn]) -> ChoicesOut:
        return await notes.set_choices(participant, data)


class ModerationController(Controller):
    """What organizers see and do: reports, removing a note, muting a person for the event."""

    path = "/api/v1/events/{slug:str}/conversation"
    tags = ["conversation"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @get("/reports", summary="What people reported, newest first")
    async def reports(self, event: NamedDependency[Event]) -> list[ReportOut]:
        return await moderation.reports(event)

    @delete("/notes/{note_id:int}", summary="Remove a note from both inboxes")
    async def remove_note(self, event: NamedDependency[Event], note_id: FromPath[int]) -> None:
        await notes.remove_note(event, note_id)

    @get("/mutes", summary="Who is muted for this event")
    async def mutes(self, event: NamedDependency[Event]) -> list[MuteOut]:
        return await moderation.mutes(event)

    @post("/mutes", status_code=201, summary="Mute a person for this event: they read, they cannot write")
    async def mute(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], data: JSONBody[MuteCreate]
    ) -> MuteOut:
        return await moderation.mute(event, participant, data.participant_id, data.reason)

    @delete("/mutes/{participant_id:int}", summary="Let a muted person write again")
    async def unmute(self, event: NamedDependency[Event], participant_id: FromPath[int]) -> None:
        await moderation.unmute(event, participant_id)


class GreeterController(Controller):
    """A greeter's side of welcomes (members who volunteer; their member sign-in)."""

    path = "/api/v1/communities/{community:str}/greeter"
    tags = ["conversation"]

    @get("/", summary="My newcomers and their answers, and my welcome message (greeters)")
    async def show(self, request: Request[Any, Any, Any], community: FromPath[str]) -> GreeterOut:
        found = await community_services.get_community(community)
        return await welcome.greeter_view(found, await signed_in_member(request, found))

    @put("/message", summary="My welcome and follow-up (or the template), and whether they may be sent (greeters)")
    async def save_message(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[GreeterMessageIn]
    ) -> GreeterMessageOut:
        found = await community_services.get_community(community)
        return await welcome.save_message(await signed_in_member(request, found), data)

    @post("/threads/{thread_id:int}", status_code=201, summary="Answer a newcomer in the welcome's conversation")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        community: FromPath[str],
        thread_id: FromPath[int],
        data: JSONBody[NoteSend],
    ) -> NoteOut:
        found = await community_services.get_community(community)
        member = await signed_in_member(request, found)
        await ratelimit.check("note", address=client_address(request), participant=None)
        return await welcome.greeter_reply(member, thread_id, data)


CONVERSATION_HANDLERS: list[Any] = [
    TopicChatController,
    MainChatController,
    NotesToController,
    InboxController,
    ModerationController,
    GreeterController,
]
