"""Email: invitations, broadcasts, and building and sending one message (SMTP, or .eml files on a dry run).

Messages are built when they are sent (a fresh agenda, a fresh invitation link), by the pure
functions in ``notify.messages``. Answers come from higher domains through ports plugged in
``unconf.app.wire()``: people's personal links, the post-event digest, whether a member wants a kind
of mail (``WANTS``) and the link that stops it (``UNSUBSCRIBE_LINK``).
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any, Protocol

from agenda.services import my_agenda, read_agenda
from agenda.versions import has_published_agenda
from events.tables import Event, Participant
from notify import messages
from notify.notices import local_iso
from notify.outbox import MAX_ATTEMPTS, Outcome, notice_row
from notify.schemas import BroadcastRequest, Queued
from notify.tables import Outbox
from unconf import i18n
from unconf.errors import Conflict, NotFound
from unconf.i18n import gettext as _
from unconf.ports import Port
from unconf.settings import get_settings
from unconf.validation import aware as _aware
from unconf.validation import check_timezone, utcnow

SMTP_TIMEOUT = 30.0
# Notice type -> email message kind (only these notices reach people's inboxes).
EMAIL_FOR_NOTICE = {"voting.open": "voting.open", "agenda.published": "agenda.published", "event.closed": "digest"}
BROADCASTS = {"voting_open": "voting.open", "agenda_published": "agenda.published", "digest": "event.closed"}


class PersonalLinks(Protocol):
    async def __call__(self, event: Event, person: Participant, *, invitation: bool) -> str | None: ...


PERSONAL_LINKS: Port[PersonalLinks] = Port("notify's personal sign-in links")
"""A fresh personal link for an imported person (people answers): for an invitation, None cancels
the mail (revoked, or no longer a registrant); otherwise "" when they have signed in already."""

DIGEST: Port[Callable[[Event], Awaitable[tuple[str, str]]]] = Port("notify's post-event digest")
"""The digest of an event as (Markdown, HTML); the exports domain answers it."""

WANTS: Port[Callable[[Outbox, str, str], Awaitable[bool]]] = Port("notify's notification preferences")
"""Does the person this row is for want this kind of mail (a preference kind) on this channel? The
newsletter domain answers (members' preferences); someone who is no member gets what they always got."""

UNSUBSCRIBE_LINK: Port[Callable[[Outbox, str], Awaitable[str | None]]] = Port("notify's unsubscribe links")
"""A link that stops this kind of mail for the row's person without signing in (newsletter answers);
None when they are no member (nothing to remember the choice by)."""

MailBuilder = Callable[[Outbox], Awaitable[EmailMessage | None]]
MAIL_KINDS: dict[str, MailBuilder] = {}
"""Email kinds a higher domain builds itself (its rows carry their own recipient); None cancels the mail."""

PREFERENCE_OF: dict[str, str] = {"voting.open": "reminders", "agenda.published": "reminders", "digest": "reminders"}
"""Mail kind -> the preference that governs it (``welcome``, ``notes``, ``digest``, ``newsletter``,
``reminders``). Kinds not here (invitations, sign-in links) are asked for and always go out."""


def register_mail_kind(kind: str, builder: MailBuilder, *, preference: str | None = None) -> None:
    """A higher domain's email (such as a community's sign-in link), plugged in ``unconf.app.wire``;
    ``preference`` names the member preference that may stop it (and puts an unsubscribe link in it)."""
    MAIL_KINDS[kind] = builder
    if preference is not None:
        PREFERENCE_OF[kind] = preference


def require_mail() -> None:
    if not get_settings().mail_enabled:
        raise Conflict(
            _("email is not configured on this server: set UNCONF_SMTP_HOST (or UNCONF_MAIL_DRY_RUN_DIR)"),
            field="email",
            code="mail_not_configured",
        )


async def enqueue_invitation(event: Event, participant: Participant) -> bool:
    """One invitation email; False when one is already waiting for this person."""
    waiting = await Outbox.exists().where(
        (Outbox.participant == participant.id)
        & (Outbox.kind == "invitation")
        & (Outbox.channel == "email")
        & (Outbox.status == "pending")
    )
    if waiting:
        return False
    now = utcnow()
    with i18n.use_locale(participant.language or event.language):
        subject = _("Your invitation to {event}").format(event=event.title)
    await Outbox(
        event=event.id,
        channel="email",
        kind="invitation",
        participant=participant.id,
        recipient=participant.email or "",
        subject=subject[:300],
        payload="{}",
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    ).save()
    return True


async def cancel_invitations(participant_id: int) -> None:
    await Outbox.update({Outbox.status: "cancelled", Outbox.finished_at: utcnow()}).where(
        (Outbox.participant == participant_id) & (Outbox.kind == "invitation") & (Outbox.status == "pending")
    )


async def broadcast(event: Event, request: BroadcastRequest) -> Queued:
    """An organizer sends (or re-sends) one of the broadcast emails to everyone with an address."""
    require_mail()
    kind = BROADCASTS[request.message]
    payload: dict[str, Any] = {"email_only": True}
    if kind in ("agenda.published", "event.closed") and not await has_published_agenda(event.id):
        raise NotFound(_("the agenda is not published yet: there is nothing to send"), field="message")
    if kind == "agenda.published":
        payload["version"] = (await read_agenda(event)).version
    if kind == "voting.open":
        if event.phase != "voting":
            raise Conflict(_("voting is not open"), field="message", code="wrong_phase")
        ends = _aware(event.phase_ends_at)
        payload["ends_at"] = ends.isoformat() if ends else None
    row = notice_row(event.id, kind, payload, dedupe_key=None)
    await row.save()
    return Queued(id=row.id, status="pending")


# -- building and sending --------------------------------------------------------------------------------------------


def event_info(event: Event) -> messages.EventInfo:
    """What every email says about its event, its dates written in the language in force."""
    when = i18n.format_date(event.start_date, form="full")
    if event.end_date and event.end_date != event.start_date:
        when = _("{start} to {end}").format(start=when, end=i18n.format_date(event.end_date, form="full"))
    return messages.EventInfo(
        slug=event.slug,
        title=event.title,
        venue=event.venue,
        when=when,
        base_url=get_settings().public_url,
        tz=check_timezone(event.timezone),
    )


async def recipient_language(row: Outbox) -> str:
    """The language an email is written in: the person's own (the last one they used here), else the
    event's. Builders of member mail (a higher domain's) narrow it to the member's own."""
    person_language: str | None = None
    if row.participant is not None:
        person = await Participant.select(Participant.language).where(Participant.id == row.participant).first()
        person_language = person["language"] if person else None
    if i18n.supported(person_language):
        return str(i18n.supported(person_language))
    event = await Event.select(Event.language).where(Event.id == row.event).first()
    return i18n.supported(event["language"] if event else None) or i18n.DEFAULT_LOCALE


async def build_email(row: Outbox) -> EmailMessage | None:
    """The message for one person, built at send time (fresh agenda, fresh invitation code); None cancels it."""
    if row.kind in MAIL_KINDS:
        return await MAIL_KINDS[row.kind](row)
    event = await Event.objects().where(Event.id == row.event).first()
    person = await Participant.objects().where(Participant.id == row.participant).first()
    if event is None or person is None or not (person.email or "").strip():
        return None
    settings = get_settings()
    sender = settings.smtp_from or "unconf@localhost"
    info = event_info(event)
    name, address = person.display_name, (person.email or "").strip()
    payload = json.loads(row.payload or "{}")
    if row.kind == "invitation":
        link = await PERSONAL_LINKS.call(event, person, invitation=True)
        if link is None:
            return None
        return messages.invitation(sender, info, name, address, link)
    if row.kind == "voting.open":
        ends = local_iso(payload.get("ends_at"), event)
        until = i18n.format_day_time(datetime.fromisoformat(ends), info.tz) if ends else ""
        return messages.voting_open(sender, info, name, address, until, await _sign_in_link(event, person))
    if row.kind == "agenda.published":
        mine: list[messages.SessionLine] = []
        for slot in await my_agenda(event, person.id):
            picked = next((s for s in slot.sessions if s.proposal_id == slot.pick), slot.sessions[0])
            mine.append(
                messages.SessionLine(
                    proposal_id=picked.proposal_id,
                    title=picked.title,
                    room=picked.room_name,
                    starts_at=picked.starts_at,
                    ends_at=picked.ends_at,
                    reason=slot.reasons.get(picked.proposal_id, ""),
                    alternatives=[f"{s.title} ({s.room_name})" for s in slot.sessions if s is not picked],
                )
            )
        return messages.agenda_published(sender, info, name, address, mine, int(payload.get("version") or 1))
    if row.kind == "digest":
        plain, rich = await DIGEST.call(event)
        return messages.digest(sender, info, name, address, plain, rich)
    raise ValueError(f"unknown email kind {row.kind!r}")


async def _sign_in_link(event: Event, person: Participant) -> str:
    """Imported people who never used their invitation cannot vote yet: give them a fresh personal link."""
    return await PERSONAL_LINKS.call(event, person, invitation=False) or ""


def add_unsubscribe(message: EmailMessage, link: str) -> None:
    """A footer with the link in every text part, and the headers mail clients show as "Unsubscribe"
    (RFC 8058 one-click: the client POSTs to the link, no sign-in)."""
    language = message.get("Content-Language")
    footer = "\n\n--\n" + _("Don't want these emails? Unsubscribe: {link}").format(link=link) + "\n"
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            part.set_content(str(part.get_content()).rstrip("\n") + footer)
        elif kind == "text/html":
            html = str(part.get_content())
            question, unsubscribe = escape(_("Don't want these emails?")), escape(_("Unsubscribe"))
            tail = f'<p style="font-size:small">{question} <a href="{escape(link)}">{unsubscribe}</a></p>'
            at = html.lower().rfind("</body>")
            part.set_content(html[:at] + tail + html[at:] if at >= 0 else html + tail, subtype="html")
    if language and "Content-Language" not in message:  # rewriting a single-part body clears Content-*
        message["Content-Language"] = language
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def _language_of(message: EmailMessage) -> str | None:
    """The language a builder wrote the message in (a member's own may differ from the row's person)."""
    tag = message.get("Content-Language")
    return i18n.supported(str(tag)) if tag else i18n.current_locale()


def _smtp_send(message: EmailMessage) -> None:
    settings = get_settings()
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_port == 465:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
    with smtp:
        smtp.ehlo()
        if settings.smtp_starttls and settings.smtp_port != 465:
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def _write_eml(directory: str, row: Outbox, message: EmailMessage) -> Path:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{row.id:08d}-{row.kind}.eml"
    partial = target.with_suffix(".eml.part")
    partial.write_bytes(message.as_bytes())
    partial.replace(target)  # readers never see half a message
    return target


async def send_email(row: Outbox) -> Outcome:
    settings = get_settings()
    if not settings.mail_enabled:
        return Outcome(False, note="email is not configured on this server", permanent=True)
    preference = PREFERENCE_OF.get(row.kind)
    if preference is not None and not await WANTS.call(row, preference, "email"):
        return Outcome(False, note=f"not sent: they turned off {preference} emails", cancelled=True)
    # Written in the recipient's language, whatever language this worker runs in.
    with i18n.use_locale(await recipient_language(row)):
        message = await build_email(row)
        if message is None:
            return Outcome(False, note="not sent: the person, their email or their invitation is gone", cancelled=True)
        if preference is not None:
            link = await UNSUBSCRIBE_LINK.call(row, preference)
            if link:
                with i18n.use_locale(_language_of(message)):
                    add_unsubscribe(message, link)
    await Outbox.update({Outbox.subject: str(message["Subject"])[:300]}).where(Outbox.id == row.id)
    if settings.mail_dry_run_dir:
        path = await asyncio.to_thread(_write_eml, settings.mail_dry_run_dir, row, message)
        return Outcome(True, note=f"dry run: written to {path.name}")
    try:
        await asyncio.to_thread(_smtp_send, message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return Outcome(
            False,
            code=codes[0] if codes else None,
            note=f"recipient refused: {exc.recipients}"[:500],
            permanent=all(c >= 500 for c in codes),
        )
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return Outcome(
            False, code=exc.smtp_code, note=f"SMTP {exc.smtp_code}: {text}"[:500], permanent=exc.smtp_code >= 500
        )
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, note=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True, code=250)
