"""Email messages built with the standard library: plain text first, HTML as the alternative. Pure functions.

Every value that came from people is escaped for the HTML part; headers go through
``EmailMessage`` (which refuses line breaks), so a name cannot add a header.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from unconf.validation import utcnow


@dataclass(frozen=True)
class EventInfo:
    slug: str
    title: str
    venue: str
    when: str
    base_url: str

    def url(self, tail: str) -> str:
        return f"{self.base_url}/e/{self.slug}{tail}"


@dataclass(frozen=True)
class SessionLine:
    proposal_id: int
    title: str
    room: str
    starts_at: datetime
    ends_at: datetime
    reason: str = ""
    alternatives: list[str] = field(default_factory=list)


def _envelope(sender: str, event: EventInfo, to_name: str, to_addr: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((event.title[:60], sender))
    msg["To"] = formataddr((to_name, to_addr))
    msg["Date"] = format_datetime(utcnow())
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Unconf-Event"] = event.slug
    return msg


def _html(event: EventInfo, paragraphs: list[str]) -> str:
    body = "\n".join(paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'></head>"
        "<body style='font-family:system-ui,Helvetica,Arial,sans-serif;line-height:1.45;max-width:36rem'>"
        f"<h2 style='margin-bottom:.2rem'>{html.escape(event.title)}</h2>"
        f"<p style='color:#555;margin-top:0'>{html.escape(event.when)}"
        f"{' · ' + html.escape(event.venue) if event.venue else ''}</p>"
        f"{body}</body></html>"
    )


def _a(url: str, text: str) -> str:
    return f"<a href='{html.escape(url, quote=True)}'>{html.escape(text)}</a>"


def _p(text: str) -> str:
    return f"<p>{text}</p>"


def _finish(msg: EmailMessage, plain: str, rich: str) -> EmailMessage:
    msg.set_content(plain)
    msg.add_alternative(rich, subtype="html")
    return msg


FOOTER = "You get this email because you are registered for this event."


def invitation(sender: str, event: EventInfo, name: str, email: str, link: str) -> EmailMessage:
    subject = f"Your invitation to {event.title}"
    msg = _envelope(sender, event, name, email, subject)
    plain = (
        f"Hello {name},\n\n"
        f"you are registered for {event.title} ({event.when}{', ' + event.venue if event.venue else ''}).\n\n"
        "Your personal link signs you in as yourself, so you can propose sessions and vote:\n"
        f"{link}\n\n"
        "The link works once and only for you; ask the organizers for a new one for another device.\n\n"
        f"-- \n{FOOTER}\n"
    )
    rich = _html(
        event,
        [
            _p(f"Hello {html.escape(name)},"),
            _p(f"you are registered for <strong>{html.escape(event.title)}</strong>."),
            _p("Your personal link signs you in as yourself, so you can propose sessions and vote:"),
            _p(_a(link, "Sign in to " + event.title)),
            _p(
                "<small>The link works once and only for you; ask the organizers for a new one for another device."
                "</small>"
            ),
            _p(f"<small style='color:#777'>{FOOTER}</small>"),
        ],
    )
    return _finish(msg, plain, rich)


def voting_open(sender: str, event: EventInfo, name: str, email: str, ends_at: str, sign_in: str = "") -> EmailMessage:
    """``sign_in`` is a personal link for someone who has not signed in yet (it opens the door first)."""
    subject = f"Voting is open: {event.title}"
    msg = _envelope(sender, event, name, email, subject)
    vote = event.url("/vote")
    until = f" until {ends_at}" if ends_at else ""
    first = f"Sign in first with your personal link (it works once):\n{sign_in}\n\n" if sign_in else ""
    plain = (
        f"Hello {name},\n\nvoting is open{until}. Put your dots on the sessions you want to attend:\n{vote}\n\n"
        f"{first}-- \n{FOOTER}\n"
    )
    parts = [
        _p(f"Hello {html.escape(name)},"),
        _p(f"voting is open{html.escape(until)}. Put your dots on the sessions you want to attend:"),
        _p(_a(vote, "Vote now")),
    ]
    if sign_in:
        parts.append(_p(f"Sign in first with your personal link (it works once): {_a(sign_in, 'Sign in')}"))
    parts.append(_p(f"<small style='color:#777'>{FOOTER}</small>"))
    return _finish(msg, plain, _html(event, parts))


def _when(s: SessionLine) -> str:
    return f"{s.starts_at:%a %H:%M}-{s.ends_at:%H:%M}"


def agenda_published(
    sender: str, event: EventInfo, name: str, email: str, mine: list[SessionLine], version: int
) -> EmailMessage:
    """The person's own sessions (ones they run or put dots on), each with its calendar file."""
    subject = f"The agenda for {event.title} is published"
    msg = _envelope(sender, event, name, email, subject)
    agenda, ics = event.url("/agenda"), event.url("/agenda.ics")
    lines = [f"Hello {name},", "", f"the agenda is published (version {version}).", ""]
    items: list[str] = []
    if mine:
        lines.append("Your sessions:")
        for s in mine:
            session_ics = event.url(f"/s/{s.proposal_id}.ics")
            reason = f" ({s.reason})" if s.reason else ""
            lines.append(f"* {_when(s)}  {s.title} -- {s.room}{reason}")
            lines.append(f"  add to calendar: {session_ics}")
            for alt in s.alternatives:
                lines.append(f"  at the same time: {alt}")
            items.append(
                f"<li><strong>{html.escape(_when(s))}</strong> {html.escape(s.title)} &middot; "
                f"{html.escape(s.room)}{html.escape(reason)}<br>{_a(session_ics, 'Add to calendar')}"
                + "".join(f"<br><small>At the same time: {html.escape(a)}</small>" for a in s.alternatives)
                + "</li>"
            )
    else:
        lines.append("None of your sessions is on it; the whole agenda is below.")
    lines += ["", f"The whole agenda: {agenda}", f"The whole agenda in your calendar: {ics}", "", "-- ", FOOTER, ""]
    rich_parts = [_p(f"Hello {html.escape(name)},"), _p(f"the agenda is published (version {version}).")]
    if items:
        rich_parts += [_p("Your sessions:"), f"<ul>{''.join(items)}</ul>"]
    else:
        rich_parts.append(_p("None of your sessions is on it; the whole agenda is below."))
    rich_parts += [
        _p(f"{_a(agenda, 'The whole agenda')} &middot; {_a(ics, 'Whole agenda in your calendar (.ics)')}"),
        _p(f"<small style='color:#777'>{FOOTER}</small>"),
    ]
    return _finish(msg, "\n".join(lines), _html(event, rich_parts))


def digest(sender: str, event: EventInfo, name: str, email: str, plain_digest: str, html_digest: str) -> EmailMessage:
    """The post-event digest as the exports render it (Markdown reads fine as plain text)."""
    msg = _envelope(sender, event, name, email, f"{event.title}: what happened (post-event digest)")
    plain = f"Hello {name},\n\nthank you for coming. Here is what happened:\n\n{plain_digest}\n\n-- \n{FOOTER}\n"
    return _finish(msg, plain, html_digest)


def person_note(
    sender: str, event: EventInfo, name: str, email: str, from_name: str, text: str, link: str
) -> EmailMessage:
    """A note someone wrote to this person, sent only because they asked for notes by email.

    The sender's address is never in it: the reply goes through the inbox link.
    """
    subject = f"A note from {from_name} ({event.title})"
    msg = _envelope(sender, event, name, email, subject)
    plain = (
        f"Hello {name},\n\n{from_name} wrote to you:\n\n{text}\n\n"
        f"Answer in your inbox: {link}\n\n"
        f"-- \nYou get this email because you chose to receive notes by email; switch it off in your inbox.\n"
    )
    quoted = html.escape(text).replace("\n", "<br>")
    rich = _html(
        event,
        [
            _p(f"Hello {html.escape(name)},"),
            _p(f"{html.escape(from_name)} wrote to you:"),
            f"<blockquote>{quoted}</blockquote>",
            _p(_a(link, "Answer in your inbox")),
            _p("You get this email because you chose to receive notes by email; switch it off in your inbox."),
        ],
    )
    return _finish(msg, plain, rich)


def topic_offer(
    sender: str, event: EventInfo, name: str, email: str, title: str, interest: int, next_title: str | None, link: str
) -> EmailMessage:
    """A proposer's topic did not fit (or its room overflowed): bring it to the series' next event?"""
    wanted = f"{interest} people wanted it" if interest != 1 else "1 person wanted it"
    where = f"to {next_title}" if next_title else "to the next event of the series"
    subject = f'Bring "{title}" again? ({event.title})'
    msg = _envelope(sender, event, name, email, subject)
    plain = (
        f'Hello {name},\n\nYour topic "{title}" did not get all the room it needed at {event.title}: '
        f"{wanted}.\n\nShall we offer it {where}? Its card there will say how many wanted it last time.\n\n"
        f"Answer here (yes or no): {link}\n\n-- \n{FOOTER}\n"
    )
    rich = _html(
        event,
        [
            _p(f"Hello {html.escape(name)},"),
            _p(
                f"Your topic <strong>{html.escape(title)}</strong> did not get all the room it needed at "
                f"{html.escape(event.title)}: {html.escape(wanted)}."
            ),
            _p(f"Shall we offer it {html.escape(where)}? Its card there will say how many wanted it last time."),
            _p(_a(link, "Answer: bring it again, or not")),
            _p(html.escape(FOOTER)),
        ],
    )
    return _finish(msg, plain, rich)
