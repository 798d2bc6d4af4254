"""Conversation by topic: every proposal has a chat from the moment it is proposed, and the main room has one.

Messages go to the sockets that opened the chat (``chat.message`` in the room ``chat:<topic>``), are
capped in length and rate, and are kept with the session: the notes export and the digest carry them,
naming only people who did not ask to be "a participant" there.
"""

from __future__ import annotations

from typing import Any

from conversation import moderation
from conversation.schemas import MAX_CHAT, ChatLineOut, ChatOut, ChatPost
from conversation.tables import ChatMessage, ConversationChoice
from conversation.text import linkify
from events.tables import Event, Participant
from sessions.services import get_proposal
from unconf import live, realtime
from unconf.errors import Conflict, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.validation import aware, clean_text, utcnow

MAIN = "main"
HISTORY = 200
A_PARTICIPANT = gettext_noop("a participant")


def topic_of(proposal_id: int | None) -> str:
    return MAIN if proposal_id is None else str(proposal_id)


async def _topic(event: Event, proposal_id: int | None) -> tuple[int | None, str]:
    """The proposal's id and title (None and "Main room" for the main room); 404 for another event's."""
    if proposal_id is None:
        return None, _("Main room")
    proposal = await get_proposal(event, proposal_id)
    return proposal.id, proposal.title


def _line(row: ChatMessage, names: dict[int, str]) -> ChatLineOut:
    author = names.get(row.author, _(A_PARTICIPANT)) if row.author else _(A_PARTICIPANT)
    return ChatLineOut(
        id=row.id,
        topic=topic_of(row.proposal),
        author=author,
        author_id=row.author,
        text=row.text,
        html=str(linkify(row.text)),
        created_at=aware(row.created_at) or utcnow(),
    )


def _in_topic(event: Event, proposal_id: int | None) -> Any:
    condition = (ChatMessage.event == event.id) & ChatMessage.removed_at.is_null()
    if proposal_id is None:
        return condition & ChatMessage.proposal.is_null()
    return condition & (ChatMessage.proposal == proposal_id)


async def read_chat(
    event: Event, viewer: Participant, proposal_id: int | None, *, hidden: set[int] | None = None
) -> ChatOut:
    """The latest messages, oldest first; ``hidden`` are authors the viewer blocked."""
    pid, title = await _topic(event, proposal_id)
    rows = (
        await ChatMessage.objects()
        .where(_in_topic(event, pid))
        .order_by(ChatMessage.id, ascending=False)
        .limit(HISTORY)
    )
    rows.reverse()
    if hidden:
        rows = [r for r in rows if r.author not in hidden]
    names = await moderation.names_of({r.author for r in rows})
    return ChatOut(
        topic=topic_of(pid),
        title=title,
        messages=[_line(r, names) for r in rows],
        can_write=not await moderation.is_muted(viewer),
    )


async def post_chat(event: Event, author: Participant, proposal_id: int | None, data: ChatPost) -> ChatLineOut:
    pid, _title = await _topic(event, proposal_id)
    await moderation.refuse_if_muted(author)
    if pid is not None:
        proposal = await get_proposal(event, pid)
        if proposal.status == "merged" and proposal.merged_into:
            raise Conflict(
                _("this topic was merged into proposal {proposal_id}: talk there").format(
                    proposal_id=proposal.merged_into
                ),
                field="proposal_id",
            )
    text = clean_text(data.text, "text", max_length=MAX_CHAT, multiline=True)
    row = ChatMessage(event=event.id, proposal=pid, author=author.id, text=text, created_at=utcnow())
    await row.save()
    line = _line(row, {author.id: author.display_name})
    await realtime.publish(event.slug, live.ChatPosted(data=live.ChatLineData(**_fields(line))))
    return line


def _fields(line: ChatLineOut) -> dict[str, Any]:
    return {f: getattr(line, f) for f in ChatLineOut.__struct_fields__}


async def remove_chat(event: Event, organizer: Participant, message_id: int) -> None:
    """Organizers take a message down; everyone who has the chat open sees it go."""
    row = (
        await ChatMessage.objects().where((ChatMessage.id == message_id) & (ChatMessage.event == event.id)).first()
        if 0 < message_id <= 2**31 - 1
        else None
    )
    if row is None:
        raise NotFound(
            _("no chat message {message_id} in this event").format(message_id=message_id), field="message_id"
        )
    if row.removed_at is None:
        await ChatMessage.update({ChatMessage.removed_at: utcnow(), ChatMessage.removed_by: organizer.id}).where(
            ChatMessage.id == row.id
        )
    gone = live.ChatGoneData(id=row.id, topic=topic_of(row.proposal))
    await realtime.publish(event.slug, live.ChatRemoved(data=gone))


async def anonymous_in_record(ids: set[int]) -> set[int]:
    """Of these people, who asked to be "a participant" in what is kept (exports, the digest)."""
    if not ids:
        return set()
    rows = await ConversationChoice.select(ConversationChoice.participant).where(
        ConversationChoice.participant.is_in(list(ids)) & (ConversationChoice.anonymous_in_record == True)  # noqa: E712
    )
    return {r["participant"] for r in rows}


async def chat_record(event_id: int) -> dict[int | None, list[tuple[str, str, str]]]:
    """Every topic's chat as kept with the session: (time ISO, author or "a participant", text), oldest first.

    The main room's is under None. People who opted out, or whose data was erased, are "a participant".
    """
    rows = (
        await ChatMessage.objects()
        .where((ChatMessage.event == event_id) & ChatMessage.removed_at.is_null())
        .order_by(ChatMessage.id)
    )
    authors = {r.author for r in rows if r.author}
    names = await moderation.names_of(set(authors))
    hidden = await anonymous_in_record(authors)  # type: ignore[arg-type]
    out: dict[int | None, list[tuple[str, str, str]]] = {}
    for r in rows:
        anonymous = _(A_PARTICIPANT)
        who = names.get(r.author, anonymous) if r.author and r.author not in hidden else anonymous
        stamp = (aware(r.created_at) or utcnow()).isoformat()
        out.setdefault(r.proposal, []).append((stamp, who, r.text))
    return out
