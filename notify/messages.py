"""Email messages built with the standard library: plain text first, HTML as the alternative. Pure functions.

Every value that came from people is escaped for the HTML part; headers go through
``EmailMessage`` (which refuses line breaks), so a name cannot add a header.

Every message is written in the language in force when it is built: the caller (notify's worker) sets
the recipient's with ``unconf.i18n.use_locale``, and dates and times read as that language writes them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from unconf import i18n
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop, ngettext
from unconf.validation import utcnow


@dataclass(frozen=True)
class EventInfo:
    slug: str
    title: str
    venue: str
    when: str
    base_url: str
    tz: tzinfo | None = None
    """The event's time zone: every time in a message is on the event's clock."""

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
        f"<!doctype html><html lang='{i18n.html_lang()}' dir='{i18n.text_direction()}'>"
        "<head><meta charset='utf-8'></head>"
        "<body style='font-family:system-ui,Helvetica,Arial,sans-serif;line-height:1.45;max-width:36rem'>"
        f"<h2 style='margin-bottom:.2rem' dir='auto'>{html.escape(event.title)}</h2>"
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
    msg["Content-Language"] = i18n.html_lang()  # after the parts: setting content clears Content-* headers
    return msg


FOOTER = gettext_noop("You get this email because you are registered for this event.")
"""Translated where it is written (in the recipient's language)."""


def _hello(name: str) -> str:
    return _("Hello {name},").format(name=name)


def invitation(sender: str, event: EventInfo, name: str, email: str, link: str) -> EmailMessage:
    subject = _("Your invitation to {event}").format(event=event.title)
    msg = _envelope(sender, event, name, email, subject)
    where = f"{event.when}, {event.venue}" if event.venue else event.when
    works_once = _("The link works once and only for you; ask the organizers for a new one for another device.")
    explain = _("Your personal link signs you in as yourself, so you can propose sessions and vote:")
    plain = (
        f"{_hello(name)}\n\n"
        + _("you are registered for {event} ({when}).").format(event=event.title, when=where)
        + f"\n\n{explain}\n{link}\n\n{works_once}\n\n-- \n{_(FOOTER)}\n"
    )
    rich = _html(
        event,
        [
            _p(html.escape(_hello(name))),
            _p(
                html.escape(_("you are registered for {event}.")).format(
                    event=f"<strong>{html.escape(event.title)}</strong>"
                )
            ),
            _p(html.escape(explain)),
            _p(_a(link, _("Sign in to {event}").format(event=event.title))),
            _p(f"<small>{html.escape(works_once)}</small>"),
            _p(f"<small style='color:#777'>{html.escape(_(FOOTER))}</small>"),
        ],
    )
    return _finish(msg, plain, rich)


def voting_open(sender: str, event: EventInfo, name: str, email: str, ends_at: str, sign_in: str = "") -> EmailMessage:
    """``sign_in`` is a personal link for someone who has not signed in yet (it opens the door first).
    ``ends_at`` is when voting closes, already written in the recipient's language ("" when open-ended)."""
    subject = _("Voting is open: {event}").format(event=event.title)
    msg = _envelope(sender, event, name, email, subject)
    vote = event.url("/vote")
    if ends_at:
        opening = _("voting is open until {time}. Put your dots on the sessions you want to attend:").format(
            time=ends_at
        )
    else:
        opening = _("voting is open. Put your dots on the sessions you want to attend:")
    first_line = _("Sign in first with your personal link (it works once):")
    first = f"{first_line}\n{sign_in}\n\n" if sign_in else ""
    plain = f"{_hello(name)}\n\n{opening}\n{vote}\n\n{first}-- \n{_(FOOTER)}\n"
    parts = [_p(html.escape(_hello(name))), _p(html.escape(opening)), _p(_a(vote, _("Vote now")))]
    if sign_in:
        sign_in_text = _("Sign in")
        parts.append(_p(f"{html.escape(first_line)} {_a(sign_in, sign_in_text)}"))
    parts.append(_p(f"<small style='color:#777'>{html.escape(_(FOOTER))}</small>"))
    return _finish(msg, plain, _html(event, parts))


def _when(s: SessionLine, tz: tzinfo | None) -> str:
    return f"{i18n.format_day_time(s.starts_at, tz)}-{i18n.format_time(s.ends_at, tz)}"


def agenda_published(
    sender: str, event: EventInfo, name: str, email: str, mine: list[SessionLine], version: int
) -> EmailMessage:
    """The person's own sessions (ones they run or put dots on), each with its calendar file."""
    subject = _("The agenda for {event} is published").format(event=event.title)
    msg = _envelope(sender, event, name, email, subject)
    agenda, ics = event.url("/agenda"), event.url("/agenda.ics")
    published = _("the agenda is published (version {version}).").format(version=version)
    none_of_yours = _("None of your sessions is on it; the whole agenda is below.")
    lines = [_hello(name), "", published, ""]
    items: list[str] = []
    add_to_calendar = _("Add to calendar")
    if mine:
        lines.append(_("Your sessions:"))
        for s in mine:
            session_ics = event.url(f"/s/{s.proposal_id}.ics")
            reason = f" ({s.reason})" if s.reason else ""
            when = _when(s, event.tz)
            lines.append(f"* {when}  {s.title} -- {s.room}{reason}")
            lines.append("  " + _("add to calendar: {link}").format(link=session_ics))
            for alt in s.alternatives:
                lines.append("  " + _("at the same time: {session}").format(session=alt))
            items.append(
                f"<li><strong>{html.escape(when)}</strong> <span dir='auto'>{html.escape(s.title)}</span> &middot; "
                f"{html.escape(s.room)}{html.escape(reason)}<br>{_a(session_ics, add_to_calendar)}"
                + "".join(
                    "<br><small>" + html.escape(_("At the same time: {session}").format(session=a)) + "</small>"
                    for a in s.alternatives
                )
                + "</li>"
            )
    else:
        lines.append(none_of_yours)
    lines += [
        "",
        _("The whole agenda: {link}").format(link=agenda),
        _("The whole agenda in your calendar: {link}").format(link=ics),
        "",
        "-- ",
        _(FOOTER),
        "",
    ]
    rich_parts = [_p(html.escape(_hello(name))), _p(html.escape(published))]
    if items:
        rich_parts += [_p(html.escape(_("Your sessions:"))), f"<ul>{''.join(items)}</ul>"]
    else:
        rich_parts.append(_p(html.escape(none_of_yours)))
    whole, whole_ics = _("The whole agenda"), _("Whole agenda in your calendar (.ics)")
    rich_parts += [
        _p(f"{_a(agenda, whole)} &middot; {_a(ics, whole_ics)}"),
        _p(f"<small style='color:#777'>{html.escape(_(FOOTER))}</small>"),
    ]
    return _finish(msg, "\n".join(lines), _html(event, rich_parts))


def digest(sender: str, event: EventInfo, name: str, email: str, plain_digest: str, html_digest: str) -> EmailMessage:
    """The post-event digest as the exports render it (Markdown reads fine as plain text)."""
    subject = _("{event}: what happened (post-event digest)").format(event=event.title)
    msg = _envelope(sender, event, name, email, subject)
    thanks = _("thank you for coming. Here is what happened:")
    plain = f"{_hello(name)}\n\n{thanks}\n\n{plain_digest}\n\n-- \n{_(FOOTER)}\n"
    return _finish(msg, plain, html_digest)


def person_note(
    sender: str, event: EventInfo, name: str, email: str, from_name: str, text: str, link: str
) -> EmailMessage:
    """A note someone wrote to this person, sent only because they asked for notes by email.

    The sender's address is never in it: the reply goes through the inbox link.
    """
    subject = _("A note from {name} ({event})").format(name=from_name, event=event.title)
    msg = _envelope(sender, event, name, email, subject)
    wrote = _("{name} wrote to you:").format(name=from_name)
    why = _("You get this email because you chose to receive notes by email; switch it off in your inbox.")
    answer = _("Answer in your inbox: {link}").format(link=link)
    plain = f"{_hello(name)}\n\n{wrote}\n\n{text}\n\n{answer}\n\n-- \n{why}\n"
    quoted = html.escape(text).replace("\n", "<br>")
    rich = _html(
        event,
        [
            _p(html.escape(_hello(name))),
            _p(html.escape(wrote)),
            f"<blockquote dir='auto'>{quoted}</blockquote>",
            _p(_a(link, _("Answer in your inbox"))),
            _p(html.escape(why)),
        ],
    )
    return _finish(msg, plain, rich)


def topic_offer(
    sender: str, event: EventInfo, name: str, email: str, title: str, interest: int, next_title: str | None, link: str
) -> EmailMessage:
    """A proposer's topic did not fit (or its room overflowed): bring it to the series' next event?"""
    wanted = ngettext("{count} person wanted it", "{count} people wanted it", interest).format(count=interest)
    subject = _('Bring "{title}" again? ({event})').format(title=title, event=event.title)
    msg = _envelope(sender, event, name, email, subject)
    no_room = _('Your topic "{title}" did not get all the room it needed at {event}: {wanted}.')
    if next_title:
        offer = _("Shall we offer it to {event}? Its card there will say how many wanted it last time.").format(
            event=next_title
        )
    else:
        offer = _(
            "Shall we offer it to the next event of the series? Its card there will say how many wanted it last time."
        )
    answer = _("Answer here (yes or no): {link}").format(link=link)
    plain = (
        f"{_hello(name)}\n\n{no_room.format(title=title, event=event.title, wanted=wanted)}\n\n{offer}\n\n"
        f"{answer}\n\n-- \n{_(FOOTER)}\n"
    )
    rich = _html(
        event,
        [
            _p(html.escape(_hello(name))),
            _p(
                html.escape(no_room).format(
                    title=f"<strong dir='auto'>{html.escape(title)}</strong>",
                    event=html.escape(event.title),
                    wanted=html.escape(wanted),
                )
            ),
            _p(html.escape(offer)),
            _p(_a(link, _("Answer: bring it again, or not"))),
            _p(html.escape(_(FOOTER))),
        ],
    )
    return _finish(msg, plain, rich)
