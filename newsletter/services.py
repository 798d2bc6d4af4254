"""The rules of a community's rhythm: preferences, members' digests, the newsletter, unsubscribing, the ladder.

Every mail goes through notify's durable outbox with an idempotent key (``digest:m<member>:<period>``,
``newsletter:<community>:<week>``), so several workers and restarts queue each one once. Weeks are
ISO weeks (``2026-W49``) on UTC; "now" is ``UNCONF_DIGEST_CLOCK`` when set (tests), else the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

from community.services import community_events, member_of_participant
from community.tables import Attendance, Community, CommunityEvent, Member, Profile
from conversation.tables import ChatMessage, PersonalNote
from events.tables import Participant
from newsletter.schemas import (
    Frequency,
    IssueItem,
    IssueOut,
    Kind,
    KindPreference,
    LadderOut,
    NewsletterItemOut,
    NewsletterOut,
    PreferencesIn,
    PreferencesOut,
    Rung,
    RungCount,
)
from newsletter.tables import LadderMark, NewsletterIssue, NewsletterItem, NotificationPreference, SigningKey
from notify.outbox import MAX_ATTEMPTS, Outcome, dumps, insert_new, task_row
from notify.tables import Outbox
from sessions.tables import Proposal, ProposalFacilitator, SessionNote
from unconf import i18n
from unconf.database import serialise_writers, write_transaction
from unconf.errors import Conflict, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop, ngettext
from unconf.personal_data import Person
from unconf.settings import get_settings
from unconf.validation import aware, clean_text, utcnow

KINDS: tuple[Kind, ...] = ("welcome", "notes", "digest", "newsletter", "reminders")
KIND_LABELS = {
    "welcome": gettext_noop("Welcomes from greeters"),
    "notes": gettext_noop("Notes people send you"),
    "digest": gettext_noop("Your digest"),
    "newsletter": gettext_noop("The community newsletter"),
    "reminders": gettext_noop("Event reminders (voting, the agenda, the digest after an event)"),
}
"""Each kind of message in words (English: :func:`kind_labels` gives them in the language of the moment)."""


def kind_labels() -> dict[str, str]:
    return {kind: _(label) for kind, label in KIND_LABELS.items()}


CHANNELS = ("email", "in_app")
FREQUENCIES = ("daily", "weekly", "none")
DIGEST_MAIL = "member.digest"
ISSUE_TASK = "newsletter.issue"
ISSUE_MAIL = "newsletter.mail"
ITEM_MAX = 1000


def now() -> datetime:
    """The newsletter's clock: ``UNCONF_DIGEST_CLOCK`` in tests, else the real one."""
    return get_settings().digest_clock or utcnow()


def week_of(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def period_of(frequency: str, at: datetime) -> str:
    return at.date().isoformat() if frequency == "daily" else week_of(at)


# -- preferences ------------------------------------------------------------------------------------------------------


async def _rows(member_id: int) -> list[NotificationPreference]:
    rows: list[NotificationPreference] = await NotificationPreference.objects().where(
        NotificationPreference.member == member_id
    )
    return rows


def _frequency(rows: list[NotificationPreference]) -> Frequency:
    for r in rows:
        if r.kind == "digest" and r.channel == "email":
            return cast(Frequency, r.frequency if r.enabled else "none")
    return "weekly"


async def preferences(member: Member) -> PreferencesOut:
    rows_list = await _rows(member.id)
    rows = {(r.kind, r.channel): r.enabled for r in rows_list}
    kinds = [
        KindPreference(kind=k, email=rows.get((k, "email"), True), in_app=rows.get((k, "in_app"), True)) for k in KINDS
    ]
    return PreferencesOut(digest=_frequency(rows_list), kinds=kinds)


async def _preference_row(member_id: int, kind: str, channel: str) -> NotificationPreference | None:
    return (
        await NotificationPreference.objects()
        .where(
            (NotificationPreference.member == member_id)
            & (NotificationPreference.kind == kind)
            & (NotificationPreference.channel == channel)
        )
        .first()
    )


async def _set(member_id: int, kind: str, channel: str, enabled: bool, frequency: str | None = None) -> None:
    existing = await _preference_row(member_id, kind, channel)
    values: dict[Any, Any] = {NotificationPreference.enabled: enabled, NotificationPreference.updated_at: utcnow()}
    if frequency is not None:
        values[NotificationPreference.frequency] = frequency
    if existing is not None:
        await NotificationPreference.update(values).where(NotificationPreference.id == existing.id)
        return
    await NotificationPreference(
        member=member_id,
        kind=kind,
        channel=channel,
        enabled=enabled,
        frequency=frequency or "weekly",
        updated_at=utcnow(),
    ).save()


async def save_preferences(member: Member, data: PreferencesIn) -> PreferencesOut:
    async with write_transaction():
        await serialise_writers(f"preferences:{member.id}")
        for item in data.kinds:
            if item.kind == "digest" and data.digest is not None:
                continue  # the frequency below decides the digest's email
            await _set(member.id, item.kind, "email", item.email)
            await _set(member.id, item.kind, "in_app", item.in_app)
        if data.digest is not None:
            await _set(
                member.id, "digest", "email", data.digest != "none", data.digest if data.digest != "none" else None
            )
    return await preferences(member)


async def wants(member_id: int, kind: str, channel: str) -> bool:
    """Does this member want this kind of message on this channel? Everything is on until they say no."""
    row = await _preference_row(member_id, kind, channel)
    return True if row is None else bool(row.enabled)


async def member_of_row(row: Outbox) -> Member | None:
    """The member an outbox row is for: named in our own rows, else through the participant's attendance."""
    payload = json.loads(row.payload or "{}")
    if row.kind in (DIGEST_MAIL, ISSUE_MAIL) and payload.get("member"):
        found: Member | None = await Member.objects().where(Member.id == int(payload["member"])).first()
        return found
    if row.participant is None:
        return None
    return await member_of_participant(int(row.participant))


async def row_wanted(row: Outbox, kind: str, channel: str) -> bool:
    """notify's ``WANTS`` port: someone who is no member gets what they always got."""
    member = await member_of_row(row)
    return True if member is None else await wants(member.id, kind, channel)


async def participant_wants(participant_id: int, kind: str, channel: str = "in_app") -> bool:
    """conversation's ``IN_APP_WANTED`` port: a participant who is no member gets what they always got."""
    member = await member_of_participant(participant_id)
    return True if member is None else await wants(member.id, kind, channel)


# -- unsubscribing without signing in ---------------------------------------------------------------------------------


async def _signing_key() -> bytes:
    row = await SigningKey.objects().where(SigningKey.name == "unsubscribe").first()
    if row is None:
        await SigningKey.insert(
            SigningKey(name="unsubscribe", secret=secrets.token_hex(32), created_at=utcnow())
        ).on_conflict(target=SigningKey.name, action="DO NOTHING")
        row = await SigningKey.objects().where(SigningKey.name == "unsubscribe").first()
    assert row is not None
    return bytes.fromhex(row.secret)


def _signature(key: bytes, member_id: int, kind: str) -> str:
    digest = hmac.new(key, f"unsubscribe:{member_id}:{kind}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


async def unsubscribe_token(member_id: int, kind: str) -> str:
    return f"{member_id}.{kind}.{_signature(await _signing_key(), member_id, kind)}"


async def unsubscribe_link(row: Outbox, kind: str) -> str | None:
    """notify's ``UNSUBSCRIBE_LINK`` port."""
    member = await member_of_row(row)
    if member is None:
        return None
    return f"{get_settings().public_url}/unsubscribe/{await unsubscribe_token(member.id, kind)}"


async def read_token(token: str) -> tuple[Member, str, Community]:
    """Whose link this is and what it stops; a link that is not ours (or whose member is gone) is not found."""
    parts = token.split(".") if len(token) <= 200 else []
    if (
        len(parts) != 3
        or not (parts[0].isascii() and parts[0].isdigit())
        or len(parts[0]) > 12
        or parts[1] not in KINDS
    ):
        raise NotFound(_("this unsubscribe link is not valid"), field="token")
    member_id, kind = int(parts[0]), parts[1]
    if not hmac.compare_digest(parts[2], _signature(await _signing_key(), member_id, kind)):
        raise NotFound(_("this unsubscribe link is not valid"), field="token")
    member = await Member.objects().where(Member.id == member_id).first()
    community = await Community.objects().where(Community.id == member.community).first() if member else None
    if member is None or community is None:
        raise NotFound(_("this unsubscribe link is not valid any more"), field="token")
    return member, kind, community


async def unsubscribe(token: str) -> tuple[str, Community]:
    """One click: this kind of email stops (the digest too); the member can turn it on again when signed in."""
    member, kind, community = await read_token(token)
    async with write_transaction():
        await serialise_writers(f"preferences:{member.id}")
        await _set(member.id, kind, "email", False)
    return kind, community


# -- members' digests -------------------------------------------------------------------------------------------------


async def _latest_participants(member_ids: list[int]) -> dict[int, tuple[int, int]]:
    """member -> (participant, event) of their latest attendance: the outbox row hangs on an event."""
    out: dict[int, tuple[int, int]] = {}
    if not member_ids:
        return out
    for r in (
        await Attendance.select(Attendance.member, Attendance.participant, Attendance.participant.event.as_alias("ev"))
        .where(Attendance.member.is_in(member_ids))
        .order_by(Attendance.id)
    ):
        out[r["member"]] = (r["participant"], r["ev"])
    return out


async def schedule_digests(at: datetime) -> int:
    """Queue the digest of the current period for every member who wants one; keys keep it to one each."""
    if not get_settings().mail_enabled:
        return 0
    members = await Member.select(Member.id, Member.email_key).order_by(Member.id)
    if not members:
        return 0
    choice: dict[int, str] = {}
    for r in await NotificationPreference.objects().where(
        (NotificationPreference.kind == "digest") & (NotificationPreference.channel == "email")
    ):
        choice[r.member] = r.frequency if r.enabled else "none"
    latest = await _latest_participants([m["id"] for m in members])
    stamp = utcnow()
    rows: list[Outbox] = []
    for m in members:
        frequency = choice.get(m["id"], "weekly")
        if frequency == "none" or m["id"] not in latest:
            continue
        participant, event = latest[m["id"]]
        period = period_of(frequency, at)
        rows.append(
            Outbox(
                event=event,
                channel="email",
                kind=DIGEST_MAIL,
                participant=participant,
                recipient=m["email_key"],
                subject="Your digest",
                payload=dumps({"member": m["id"], "period": period, "frequency": frequency}),
                max_attempts=MAX_ATTEMPTS,
                next_attempt_at=stamp,
                dedupe_key=f"digest:m{m['id']}:{period}",
                created_at=stamp,
            )
        )
    created = 0
    for start in range(0, len(rows), 200):
        batch = rows[start : start + 200]
        keys = [r.dedupe_key for r in batch]
        queued = {r["dedupe_key"] for r in await Outbox.select(Outbox.dedupe_key).where(Outbox.dedupe_key.is_in(keys))}
        # Most ticks find every key queued already: no write (and no SQLite write lock) for those.
        created += await insert_new([r for r in batch if r.dedupe_key not in queued])
    return created


async def digest_sections(member: Member, community: Community, since: datetime, at: datetime) -> dict[str, list[str]]:
    """What a member's digest says: upcoming events, topics for the next one, notes and chats from past
    sessions, replies to their notes, all since the last period."""
    events = await community_events(community.id)
    today = at.date()
    upcoming = [e for e in events if e.start_date >= today and e.phase not in ("draft", "closed")]
    past = [e for e in events if e.start_date < today or e.phase == "closed"]
    # Section titles are translated where the digest is written (in the member's language).
    sections: dict[str, list[str]] = {
        gettext_noop("Upcoming events"): [
            f"{e.title} ({i18n.format_date(e.start_date, form='full')})" for e in upcoming
        ],
        gettext_noop("Topics proposed for the next event"): [],
        gettext_noop("Notes and chats from past sessions"): [],
        gettext_noop("Replies to your notes"): [],
    }
    if upcoming:
        topics = (
            await Proposal.select(Proposal.title)
            .where(
                (Proposal.event == upcoming[0].id) & (Proposal.status != "withdrawn") & Proposal.merged_into.is_null()
            )
            .order_by(Proposal.id)
        )
        sections["Topics proposed for the next event"] = [t["title"] for t in topics[:20]]
    if past:
        ids = [e.id for e in past]
        noted = await SessionNote.select(SessionNote.proposal.title.as_alias("title")).where(
            SessionNote.event.is_in(ids) & (SessionNote.created_at >= since)
        )
        chatted = await ChatMessage.select(ChatMessage.proposal.title.as_alias("title")).where(
            ChatMessage.event.is_in(ids)
            & ChatMessage.proposal.is_not_null()
            & ChatMessage.removed_at.is_null()
            & (ChatMessage.created_at >= since)
        )
        titles = sorted({r["title"] for r in noted if r["title"]} | {r["title"] for r in chatted if r["title"]})
        sections["Notes and chats from past sessions"] = titles[:20]
    mine = [
        r["participant"] for r in await Attendance.select(Attendance.participant).where(Attendance.member == member.id)
    ]
    if mine:
        replies = await PersonalNote.count().where(
            PersonalNote.recipient.is_in(mine)
            & PersonalNote.thread.is_not_null()
            & PersonalNote.removed_at.is_null()
            & (PersonalNote.created_at >= since)
        )
        if replies:
            sections["Replies to your notes"] = [
                ngettext("{count} new reply: open your inbox", "{count} new replies: open your inbox", replies).format(
                    count=replies
                )
            ]
    return sections


def _sender() -> str:
    return get_settings().smtp_from or "unconf@localhost"


async def build_digest_mail(row: Outbox) -> EmailMessage | None:
    """A member's digest, built at send time; None (cancelled) when the member is gone."""
    payload = json.loads(row.payload or "{}")
    member = await Member.objects().where(Member.id == int(payload.get("member") or 0)).first()
    if member is None:
        return None
    community = await Community.objects().where(Community.id == member.community).first()
    if community is None:
        return None
    at = now()
    since = at - (timedelta(days=1) if payload.get("frequency") == "daily" else timedelta(days=7))
    with i18n.use_locale(member.language or i18n.current_locale()):  # the member's language, else the event's
        sections = await digest_sections(member, community, since, at)
        period = str(payload.get("period") or "")
        url = f"{get_settings().public_url}/c/{community.slug}"
        if payload.get("frequency") == "daily":
            opening = _("Your daily digest from {community} ({period}).")
        else:
            opening = _("Your weekly digest from {community} ({period}).")
        hello = _("Hello,")
        body = [f"{hello}\n\n{opening.format(community=community.name, period=period)}\n"]
        for title, items in sections.items():
            if items:
                body.append(f"{_(title)}:\n" + "".join(f"  - {i}\n" for i in items))
        if len(body) == 1:
            body.append(_("Nothing new this time.") + "\n")
        body.append(
            _("Your community: {link}").format(link=url)
            + "\n"
            + _("Choose daily, weekly or no digest there, under your preferences.")
            + "\n"
        )
        message = EmailMessage()
        message["From"] = _sender()
        message["To"] = member.email_key
        message["Subject"] = _("{community}: your digest ({period})").format(community=community.name, period=period)
        message["X-Unconf-Digest"] = f"m{member.id}:{period}"
        message.set_content("\n".join(body))
        message["Content-Language"] = i18n.html_lang()
    return message


# -- the newsletter ---------------------------------------------------------------------------------------------------


async def _author_name(member: Member) -> str:
    profile = await Profile.objects().where(Profile.member == member.id).first()
    if profile is not None and profile.display_name:
        return str(profile.display_name)
    latest = (await _latest_participants([member.id])).get(member.id)
    if latest is not None:
        person = await Participant.objects().where(Participant.id == latest[0]).first()
        if person is not None:
            return str(person.display_name)
    return _("A member")


def _item_out(item: NewsletterItem, viewer: Member | None = None) -> NewsletterItemOut:
    return NewsletterItemOut(
        id=item.id,
        week=item.week,
        author_name=item.author_name,
        text=item.text,
        mine=viewer is not None and item.member == viewer.id,
        created_at=aware(item.created_at) or utcnow(),
    )


async def add_item(community: Community, member: Member, text: str) -> NewsletterItemOut:
    """One announcement per member per ISO week; a second is refused (409 ``newsletter_item_exists``)."""
    cleaned = clean_text(text, "text", max_length=ITEM_MAX, multiline=True)
    week = week_of(now())
    name = await _author_name(member)
    refused = Conflict(
        _("you have added an announcement to this week's newsletter already: one per member per week"),
        field="text",
        code="newsletter_item_exists",
    )
    async with write_transaction():
        await serialise_writers(f"newsletter:{member.id}")
        if await NewsletterItem.exists().where((NewsletterItem.member == member.id) & (NewsletterItem.week == week)):
            raise refused
        stamp = utcnow()
        item = NewsletterItem(
            community=community.id,
            member=member.id,
            week=week,
            author_name=name,
            text=cleaned,
            created_at=stamp,
            updated_at=stamp,
        )
        await item.save()
    return _item_out(item, member)


async def _item_of(community: Community, item_id: int) -> NewsletterItem:
    item = (
        await NewsletterItem.objects()
        .where((NewsletterItem.id == item_id) & (NewsletterItem.community == community.id))
        .first()
    )
    if item is None:
        raise NotFound(_("no such newsletter item in this community"), field="item_id")
    return item


async def edit_item(community: Community, item_id: int, text: str) -> NewsletterItemOut:
    """Organizers may edit an item (before its issue goes out: a sent issue stays as it was)."""
    item = await _item_of(community, item_id)
    cleaned = clean_text(text, "text", max_length=ITEM_MAX, multiline=True)
    await NewsletterItem.update({NewsletterItem.text: cleaned, NewsletterItem.updated_at: utcnow()}).where(
        NewsletterItem.id == item.id
    )
    item.text = cleaned
    return _item_out(item)


async def remove_item(community: Community, item_id: int) -> None:
    item = await _item_of(community, item_id)
    await NewsletterItem.delete().where(NewsletterItem.id == item.id)


async def week_items(community: Community, week: str, viewer: Member | None = None) -> list[NewsletterItemOut]:
    items = (
        await NewsletterItem.objects()
        .where((NewsletterItem.community == community.id) & (NewsletterItem.week == week))
        .order_by(NewsletterItem.id)
    )
    return [_item_out(i, viewer) for i in items]


def _issue_out(issue: NewsletterIssue) -> IssueOut:
    items = [
        IssueItem(author_name=str(i.get("author_name", "")), text=str(i.get("text", "")))
        for i in json.loads(issue.items or "[]")
    ]
    return IssueOut(week=issue.week, items=items, sent_at=aware(issue.created_at) or utcnow())


async def past_issues(community: Community, limit: int = 20) -> list[IssueOut]:
    issues = (
        await NewsletterIssue.objects()
        .where(NewsletterIssue.community == community.id)
        .order_by(NewsletterIssue.week, ascending=False)
        .limit(limit)
    )
    return [_issue_out(i) for i in issues]


async def newsletter(community: Community, viewer: Member | None = None) -> NewsletterOut:
    week = week_of(now())
    return NewsletterOut(
        week=week, items=await week_items(community, week, viewer), issues=await past_issues(community)
    )


async def schedule_issues(at: datetime) -> int:
    """Each past week with items gets one issue task, keyed ``newsletter:<community>:<week>``."""
    # The last four weeks: a server that was down over a week-end still sends that week's issue.
    recent = [week_of(at - timedelta(days=7 * k)) for k in range(1, 5)]
    due = await NewsletterItem.select(NewsletterItem.community, NewsletterItem.week).where(
        NewsletterItem.week.is_in(recent)
    )
    pairs = sorted({(r["community"], r["week"]) for r in due})
    if not pairs:
        return 0
    sent = {
        (r["community"], r["week"])
        for r in await NewsletterIssue.select(NewsletterIssue.community, NewsletterIssue.week).where(
            NewsletterIssue.week.is_in(recent)
        )
    }
    rows: list[Outbox] = []
    for community_id, week in pairs:
        if (community_id, week) in sent:
            continue
        link = (
            await CommunityEvent.select(CommunityEvent.event)
            .where(CommunityEvent.community == community_id)
            .order_by(CommunityEvent.id, ascending=False)
            .first()
        )
        if link is None:
            continue
        rows.append(
            task_row(
                link["event"],
                ISSUE_TASK,
                {"community": community_id, "week": week},
                not_before=utcnow(),
                dedupe_key=f"newsletter:{community_id}:{week}",
            )
        )
    return await insert_new(rows)


async def send_issue(row: Outbox) -> Outcome:
    """Freeze the week's issue (later edits do not change it) and queue one email per member who wants it."""
    payload = json.loads(row.payload or "{}")
    community_id, week = int(payload.get("community") or 0), str(payload.get("week") or "")
    community = await Community.objects().where(Community.id == community_id).first()
    if community is None:
        return Outcome(False, note="the community is gone", cancelled=True)
    items = (
        await NewsletterItem.objects()
        .where((NewsletterItem.community == community_id) & (NewsletterItem.week == week))
        .order_by(NewsletterItem.id)
    )
    frozen = dumps([{"author_name": i.author_name, "text": i.text} for i in items])
    await NewsletterIssue.insert(
        NewsletterIssue(community=community_id, week=week, items=frozen, created_at=utcnow())
    ).on_conflict(action="DO NOTHING")
    if not get_settings().mail_enabled:
        return Outcome(True, note="issue kept; email is not configured")
    members = await Member.select(Member.id, Member.email_key).where(Member.community == community_id)
    latest = await _latest_participants([m["id"] for m in members])
    off = {
        r["member"]
        for r in await NotificationPreference.select(NotificationPreference.member).where(
            (NotificationPreference.kind == "newsletter")
            & (NotificationPreference.channel == "email")
            & (NotificationPreference.enabled == False)  # noqa: E712 (a column comparison)
        )
    }
    stamp = utcnow()
    mails = [
        Outbox(
            event=latest[m["id"]][1],
            channel="email",
            kind=ISSUE_MAIL,
            participant=latest[m["id"]][0],
            recipient=m["email_key"],
            subject="The newsletter",
            payload=dumps({"member": m["id"], "community": community_id, "week": week}),
            max_attempts=MAX_ATTEMPTS,
            next_attempt_at=stamp,
            dedupe_key=f"newsletter:{community_id}:{week}:m{m['id']}",
            created_at=stamp,
        )
        for m in members
        if m["id"] in latest and m["id"] not in off
    ]
    created = await insert_new(mails)
    return Outcome(True, note=f"issue {week} frozen; {created} emails queued")


async def build_issue_mail(row: Outbox) -> EmailMessage | None:
    payload = json.loads(row.payload or "{}")
    member = await Member.objects().where(Member.id == int(payload.get("member") or 0)).first()
    issue = (
        await NewsletterIssue.objects()
        .where(
            (NewsletterIssue.community == int(payload.get("community") or 0))
            & (NewsletterIssue.week == str(payload.get("week") or ""))
        )
        .first()
    )
    if member is None or issue is None:
        return None
    community = await Community.objects().where(Community.id == member.community).first()
    if community is None:
        return None
    out = _issue_out(issue)
    with i18n.use_locale(member.language or i18n.current_locale()):  # the member's language, else the event's
        opening = _("The {community} newsletter, week {week}: what members want you to know.").format(
            community=community.name, week=out.week
        )
        hello = _("Hello,")
        lines = [f"{hello}\n\n{opening}\n"]
        lines += [f"{i.author_name}:\n{i.text}\n" for i in out.items] or [_("No announcements this week.") + "\n"]
        past = f"{get_settings().public_url}/c/{community.slug}#newsletter"
        lines.append(_("Past issues: {link}").format(link=past) + "\n")
        message = EmailMessage()
        message["From"] = _sender()
        message["To"] = member.email_key
        message["Subject"] = _("{community} newsletter ({week})").format(community=community.name, week=out.week)
        message["X-Unconf-Newsletter"] = f"{community.slug}:{out.week}:m{member.id}"
        message.set_content("\n".join(lines))
        message["Content-Language"] = i18n.html_lang()
    return message


# -- the ladder of engagement -----------------------------------------------------------------------------------------

RUNGS: tuple[tuple[str, str], ...] = (
    ("profile", gettext_noop("Complete your profile")),
    ("browse", gettext_noop("Browse the members")),
    ("say_hi", gettext_noop("Say hi to a peer")),
    ("join_next", gettext_noop("Join the next event")),
    ("propose", gettext_noop("Propose a topic")),
    ("facilitate", gettext_noop("Facilitate a session")),
    ("greeter", gettext_noop("Become a greeter")),
)
"""The ladder's rungs, in order (English labels: translated where shown)."""


async def mark(member_id: int, rung: str) -> None:
    """Record a rung nothing else records (browsing the members); once is enough."""
    if await LadderMark.exists().where((LadderMark.member == member_id) & (LadderMark.rung == rung)):
        return
    await LadderMark.insert(LadderMark(member=member_id, rung=rung, created_at=utcnow())).on_conflict(
        action="DO NOTHING"
    )


async def done_rungs(community: Community, members: list[Member]) -> dict[int, set[str]]:
    """Which rungs each member has climbed, from what they did (and the marks for what leaves no trace)."""
    ids = [m.id for m in members]
    done: dict[int, set[str]] = {m.id: set() for m in members}
    if not ids:
        return done
    for m in members:
        if m.greeter:
            done[m.id].add("greeter")
    for p in await Profile.objects().where(Profile.member.is_in(ids)):
        if p.display_name and (p.bio or p.role or p.subjects or p.city):
            done[p.member].add("profile")
    for r in await LadderMark.select(LadderMark.member, LadderMark.rung).where(LadderMark.member.is_in(ids)):
        done[r["member"]].add(r["rung"])
    attend = await Attendance.select(
        Attendance.member, Attendance.participant, Attendance.participant.event.as_alias("ev")
    ).where(Attendance.member.is_in(ids))
    owner = {r["participant"]: r["member"] for r in attend}
    if not owner:
        return done
    pids = list(owner)
    today = now().date()
    upcoming = {e.id for e in await community_events(community.id) if e.start_date >= today and e.phase != "closed"}
    for r in attend:
        if r["ev"] in upcoming:
            done[r["member"]].add("join_next")
    for r in await PersonalNote.select(PersonalNote.sender).where(PersonalNote.sender.is_in(pids)):
        done[owner[r["sender"]]].add("say_hi")
    for r in await Proposal.select(Proposal.created_by).where(Proposal.created_by.is_in(pids)):
        done[owner[r["created_by"]]].add("propose")
    for r in await ProposalFacilitator.select(ProposalFacilitator.participant).where(
        ProposalFacilitator.participant.is_in(pids)
    ):
        done[owner[r["participant"]]].add("facilitate")
    return done


async def ladder(community: Community, member: Member) -> LadderOut:
    done = (await done_rungs(community, [member]))[member.id]
    rungs = [
        Rung(
            rung=key,
            label=_(label),
            done=key in done,
            href={"profile": "#profile", "browse": f"/c/{community.slug}/directory"}.get(key, ""),
        )
        for key, label in RUNGS
    ]
    nxt = next((r.rung for r in rungs if not r.done), None)
    return LadderOut(rungs=rungs, next=nxt)


async def rung_counts(community: Community) -> list[RungCount]:
    """How many members stand on each rung: the step they are working on next (or "every step done")."""
    members = await Member.objects().where(Member.community == community.id)
    done = await done_rungs(community, members)
    counts = {key: 0 for key, _label in RUNGS} | {"done": 0}
    for m in members:
        step = next((key for key, _label in RUNGS if key not in done[m.id]), "done")
        counts[step] += 1
    labels = dict(RUNGS) | {"done": gettext_noop("Every step done")}
    return [RungCount(rung=k, label=_(labels[k]), members=v) for k, v in counts.items()]


# -- personal data ----------------------------------------------------------------------------------------------------


async def contribute(person: Person) -> dict[str, Any]:
    mids = list(person.member_ids)
    if not mids:
        return {"preferences": [], "newsletter_items": [], "ladder": []}
    prefs = await NotificationPreference.objects().where(NotificationPreference.member.is_in(mids))
    items = await NewsletterItem.objects().where(NewsletterItem.member.is_in(mids))
    marks = await LadderMark.objects().where(LadderMark.member.is_in(mids))
    return {
        "preferences": [
            {"kind": p.kind, "channel": p.channel, "enabled": p.enabled, "frequency": p.frequency} for p in prefs
        ],
        "newsletter_items": [{"week": i.week, "text": i.text, "created_at": str(i.created_at)} for i in items],
        "ladder": [{"rung": m.rung, "at": str(m.created_at)} for m in marks],
    }


async def erase(person: Person) -> None:
    """Preferences, marks and this member's announcements go; issues already sent keep what they said
    under the name given then (like a printed newsletter), unless an organizer removes it."""
    mids = list(person.member_ids)
    if not mids:
        return
    await NotificationPreference.delete().where(NotificationPreference.member.is_in(mids))
    await LadderMark.delete().where(LadderMark.member.is_in(mids))
    await NewsletterItem.delete().where(NewsletterItem.member.is_in(mids))
