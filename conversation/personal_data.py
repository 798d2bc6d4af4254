"""What conversation holds about a person: chat lines, notes sent and received, reports, choices, greeter words.

Erasing anonymises: the words stay where others read them (a topic's chat, the other side's inbox), from
"a participant"; the person's own choices, mutes and greeter messages go.
"""

from __future__ import annotations

from typing import Any

from conversation.tables import (
    ChatMessage,
    ConversationChoice,
    ConversationMute,
    ConversationReport,
    GreeterMessage,
    PersonalNote,
)
from unconf.personal_data import Person


def _stamp(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "created_at": str(r["created_at"])} for r in rows]


async def contribute(person: Person) -> dict[str, Any]:
    ids, members = list(person.participant_ids), list(person.member_ids)
    out: dict[str, Any] = {"chat": [], "notes_sent": [], "notes_received": [], "reports": [], "choices": []}
    if ids:
        out["chat"] = _stamp(
            await ChatMessage.select(
                ChatMessage.event.slug.as_alias("event"),
                ChatMessage.proposal.title.as_alias("topic"),
                ChatMessage.text,
                ChatMessage.created_at,
            ).where(ChatMessage.author.is_in(ids))
        )
        out["notes_sent"] = _stamp(
            await PersonalNote.select(
                PersonalNote.event.slug.as_alias("event"),
                PersonalNote.recipient.display_name.as_alias("to"),
                PersonalNote.text,
                PersonalNote.created_at,
            ).where(PersonalNote.sender.is_in(ids))
        )
        out["notes_received"] = _stamp(
            await PersonalNote.select(
                PersonalNote.event.slug.as_alias("event"),
                PersonalNote.sender.display_name.as_alias("from"),
                PersonalNote.kind,
                PersonalNote.text,
                PersonalNote.created_at,
            ).where(PersonalNote.recipient.is_in(ids) & PersonalNote.removed_at.is_null())
        )
        out["reports"] = _stamp(
            await ConversationReport.select(ConversationReport.reason, ConversationReport.created_at).where(
                ConversationReport.reporter.is_in(ids)
            )
        )
        out["choices"] = await ConversationChoice.select(
            ConversationChoice.email_notes, ConversationChoice.anonymous_in_record
        ).where(ConversationChoice.participant.is_in(ids))
    if members:
        out["greeter_messages"] = await GreeterMessage.select(
            GreeterMessage.welcome, GreeterMessage.follow_up, GreeterMessage.approved
        ).where(GreeterMessage.member.is_in(members))
    return out


async def erase(person: Person) -> None:
    ids, members = list(person.participant_ids), list(person.member_ids)
    if ids:
        await ChatMessage.update({ChatMessage.author: None}).where(ChatMessage.author.is_in(ids))
        await ChatMessage.update({ChatMessage.removed_by: None}).where(ChatMessage.removed_by.is_in(ids))
        await PersonalNote.update({PersonalNote.sender: None}).where(PersonalNote.sender.is_in(ids))
        await PersonalNote.update({PersonalNote.recipient: None}).where(PersonalNote.recipient.is_in(ids))
        await ConversationReport.update({ConversationReport.reporter: None}).where(
            ConversationReport.reporter.is_in(ids)
        )
        await ConversationMute.update({ConversationMute.muted_by: None}).where(ConversationMute.muted_by.is_in(ids))
        await ConversationMute.delete().where(ConversationMute.participant.is_in(ids))
        await ConversationChoice.delete().where(ConversationChoice.participant.is_in(ids))
    if members:
        await PersonalNote.update({PersonalNote.greeter: None}).where(PersonalNote.greeter.is_in(members))
        await GreeterMessage.delete().where(GreeterMessage.member.is_in(members))
