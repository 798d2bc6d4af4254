"""The post-event digest: every session, who ran it, how many cared, and its notes. No HTTP here.

Attendance is the number of voters (labelled as such); notes come from the sessions' notes
pages (``NOTES_SOURCES``) -- nothing is ever invented to fill the section.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from conversation.chat import chat_record
from events.tables import Event
from exports.render import render_template
from exports.schedule import Item, Schedule, load_schedule
from sessions.notes import latest_notes_by_proposal
from unconf import i18n
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop, ngettext
from unconf.validation import check_timezone

# A notes source returns proposal id -> notes (plain text) for an event id.
NotesSource = Callable[[int], Awaitable[dict[int, list[str]]]]
NOTES_SOURCES: list[NotesSource] = [latest_notes_by_proposal]

ATTENDANCE_LABEL = gettext_noop("Interest (voters; check-in counts will replace this once attendance is recorded)")
NO_NOTES = gettext_noop("No notes source is connected yet, so there are no session notes to show.")
"""Both translated where they are written: the digest is in the language in force (the event's for the
download, the recipient's in the post-event email)."""


@dataclass(frozen=True)
class DigestEntry:
    item: Item
    notes: list[str] | None  # None: no notes source; []: a source exists but holds no notes for this session
    chat: tuple[tuple[str, str, str], ...] = ()  # (time, author or "a participant", text), oldest first


async def collect(schedule: Schedule) -> tuple[list[DigestEntry], list[Item], bool]:
    """Held sessions with their notes, the cancelled ones, and whether any notes source exists."""
    notes: dict[int, list[str]] | None = None
    if NOTES_SOURCES:
        notes = {}
        for source in NOTES_SOURCES:
            for pid, texts in (await source(schedule.event_id)).items():
                notes.setdefault(pid, []).extend(texts)
    chats = await chat_record(schedule.event_id)
    entries = [
        DigestEntry(i, None if notes is None else notes.get(i.proposal_id, []), tuple(chats.get(i.proposal_id, [])))
        for i in schedule.live
        if i.run == 1  # a session that repeats has one record: its notes and chat are shared by both runs
    ]
    cancelled = [i for i in schedule.items if i.cancelled and i.run == 1]
    return entries, cancelled, notes is not None


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>])")


def md(text: str) -> str:
    """Escape Markdown so a session title cannot turn into a link or a heading."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def chat_time(at: str, schedule: Schedule) -> str:
    """A chat line's time on the event's clock (the day too: people talk before and after a session)."""
    return i18n.format_short_stamp(datetime.fromisoformat(at), check_timezone(schedule.timezone))


def _when(item: Item) -> str:
    """Day and time on the event's clock, as the language in force writes them, with the zone's abbreviation."""
    start = i18n.format_date(item.starts_at, form="full") + ", " + i18n.format_time(item.starts_at)
    return f"{start}-{i18n.format_time(item.ends_at)} ({item.starts_at.tzname()})"


async def digest_markdown(schedule: Schedule) -> bytes:
    entries, cancelled, has_notes = await collect(schedule)
    lines = ["# " + _("{event}: post-event digest").format(event=md(schedule.title)), ""]
    sessions = ngettext("{count} session", "{count} sessions", len(entries)).format(count=len(entries))
    lines.append(
        _("Agenda version {version}, {sessions}, timezone {zone}.").format(
            version=schedule.version, sessions=sessions, zone=schedule.timezone
        )
    )
    if schedule.venue:
        lines.append(_("Venue: {venue}.").format(venue=md(schedule.venue)))
    lines += ["", "## " + _("Sessions"), ""]
    none_taken = _("No notes were taken for this session.")
    for entry in entries:
        item = entry.item
        lines += [f"### {md(item.title)}", ""]
        lines.append("- " + _("When: {when}").format(when=md(_when(item))))
        lines.append("- " + _("Room: {room}").format(room=md(item.room.name)))
        names = i18n.format_list([md(p.name) for p in item.facilitators]) or _("none listed")
        lines.append("- " + _("Facilitators: {names}").format(names=names))
        lines.append(f"- {md(_(ATTENDANCE_LABEL))}: {i18n.format_number(item.voters)}")
        if item.video_link:
            lines.append("- " + _("Video: {link}").format(link=f"<{item.video_link}>"))
        lines.append("- " + _("Session page: {link}").format(link=f"<{schedule.session_url(item.proposal_id)}>"))
        lines += ["", "#### " + _("Notes"), ""]
        if entry.notes is None:
            lines.append(f"_{md(_(NO_NOTES))}_")
        elif not entry.notes:
            lines.append(f"_{none_taken}_")
        else:
            lines += [f"> {md(n)}" for n in entry.notes]
        if entry.chat:
            lines += ["", "#### " + _("Conversation"), ""]
            lines += [f"- {md(chat_time(at, schedule))} {md(who)}: {md(text)}" for at, who, text in entry.chat]
        lines.append("")
    if cancelled:
        lines += ["## " + _("Cancelled sessions"), ""]
        lines += [
            "- " + _("{title} (was {when}, {room})").format(title=md(i.title), when=md(_when(i)), room=md(i.room.name))
            for i in cancelled
        ]
        lines.append("")
    if not has_notes:
        lines += ["## " + _("About notes"), "", md(_(NO_NOTES)), ""]
    return "\n".join(lines).encode("utf-8")


async def digest_html(schedule: Schedule) -> bytes:
    entries, cancelled, has_notes = await collect(schedule)
    return render_template(
        "digest.html",
        schedule=schedule,
        entries=entries,
        cancelled=cancelled,
        has_notes=has_notes,
        when=_when,
        chat_time=lambda at: chat_time(at, schedule),
    )


async def digest_for_mail(event: Event) -> tuple[str, str]:
    """The digest as (Markdown, HTML) for the post-event email."""
    schedule = await load_schedule(event)
    return (await digest_markdown(schedule)).decode(), (await digest_html(schedule)).decode()


async def session_record_markdown(event: Event, proposal_id: int, title: str) -> bytes:
    """One session's notes and its conversation, as kept: the notes export of a session page."""
    notes = (await latest_notes_by_proposal(event.id)).get(proposal_id, [])
    chat = (await chat_record(event.id)).get(proposal_id, [])
    tz = check_timezone(event.timezone)
    lines = [f"# {md(title)}", "", f"{md(event.title)}", "", "## " + _("Notes"), ""]
    none_taken = _("No notes were taken for this session.")
    lines += [*notes] if notes else [f"_{none_taken}_"]
    lines += ["", "## " + _("Conversation"), ""]
    if chat:
        stamp = lambda at: i18n.format_short_stamp(datetime.fromisoformat(at), tz)  # noqa: E731
        lines += [f"- {md(stamp(at))} {md(who)}: {md(text)}" for at, who, text in chat]
    else:
        nobody = _("Nobody wrote in this session's chat.")
        lines.append(f"_{nobody}_")
    lines.append("")
    return "\n".join(lines).encode("utf-8")
