"""The rules of communities: who belongs, what they show, whom they block, who their peers are.

People are known by participant id (one per event) and, once they stay, by member id. Everything
social is opt-in: a profile is seen by the community's members (or nobody, if the person says so),
and only people who chose ``suggest_as_peer`` are ever shown as someone's peer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from itertools import chain
from typing import Any

import msgspec
import numpy as np
from piccolo.custom_types import Combinable
from piccolo.query.functions.aggregate import Count, Max

from community import similarity
from community.schemas import (
    BlockOut,
    CommunityCreate,
    CommunityEventOut,
    CommunityOut,
    CommunityPatch,
    DirectoryEntry,
    MemberListEntry,
    MemberOut,
    Peer,
    PersonProfile,
    ProfileIn,
    ProfileOut,
)
from community.tables import Attendance, Block, Community, CommunityEvent, Greeting, Member, Profile
from events.schemas import JoinRequest
from events.services import join_event
from events.tables import Event, Participant
from notify.mail import event_info, register_mail_kind, require_mail
from notify.outbox import MAX_ATTEMPTS
from notify.tables import Outbox
from sessions.tables import Proposal, ProposalFacilitator
from unconf import i18n
from unconf.auth import Role
from unconf.cache import read_cache
from unconf.database import serialise_writers, write_transaction
from unconf.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from unconf.i18n import format_list, pgettext
from unconf.i18n import gettext as _
from unconf.personal_data import Person
from unconf.settings import get_settings
from unconf.tokens import hash_token, new_token
from unconf.validation import aware, check_slug, clean_email, clean_tags, clean_text, slugify, utcnow
from voting.services import voters_by_proposal

SIGNIN_VALID = timedelta(hours=1)
SIGNIN_MAIL = "community.signin"
PEER_LIMIT = 10
MEMBER_COOKIE_PREFIX = "unconf_m_"


def member_cookie_name(community_slug: str) -> str:
    return f"{MEMBER_COOKIE_PREFIX}{community_slug}"


# -- communities ------------------------------------------------------------------------------------------------------


async def get_community(slug: str) -> Community:
    community = await Community.objects().where(Community.slug == slug).first()
    if community is None:
        raise NotFound(_("no community {slug!r}").format(slug=slug), field="community")
    return community


async def community_of_event(event_id: int) -> Community | None:
    link = await CommunityEvent.select(CommunityEvent.community).where(CommunityEvent.event == event_id).first()
    if link is None:
        return None
    return await Community.objects().where(Community.id == link["community"]).first()


async def community_events(community_id: int) -> list[Event]:
    ids = CommunityEvent.select(CommunityEvent.event).where(CommunityEvent.community == community_id)
    events: list[Event] = await Event.objects().where(Event.id.is_in(ids)).order_by(Event.start_date)
    return events


async def community_out(community: Community) -> CommunityOut:
    return CommunityOut(
        slug=community.slug,
        name=community.name,
        description=community.description,
        welcomes_enabled=community.welcomes_enabled,
        greeter_daily_cap=community.greeter_daily_cap,
        events=[
            CommunityEventOut(slug=e.slug, title=e.title, start_date=e.start_date, phase=e.phase)
            for e in await community_events(community.id)
        ],
    )


async def create_for_event(event: Event, data: CommunityCreate) -> Community:
    """A new community made with (or for) this event; an event belongs to one community at most."""
    name = clean_text(data.name, "name", max_length=120)
    description = clean_text(data.description, "description", max_length=2000, multiline=True, required=False)
    async with write_transaction():
        await serialise_writers("community slugs")
        if await CommunityEvent.exists().where(CommunityEvent.event == event.id):
            raise Conflict(_("this event belongs to a community already"), field="event", code="has_community")
        if data.slug is not None:
            slug = check_slug(data.slug)
            if await Community.exists().where(Community.slug == slug):
                raise Conflict(
                    _("a community with slug {slug!r} exists already").format(slug=slug),
                    field="slug",
                    code="slug_taken",
                )
        else:
            base = slugify(name)
            slug = base
            n = 2
            while await Community.exists().where(Community.slug == slug):
                slug = f"{base[:60]}-{n}"
                n += 1
        community = Community(slug=slug, name=name, description=description, created_at=utcnow())
        await community.save()
        await CommunityEvent(community=community.id, event=event.id, created_at=utcnow()).save()
    return community


async def link_event(community: Community, event: Event) -> None:
    """Put a new event into the community (its next one)."""
    async with write_transaction():
        if await CommunityEvent.exists().where(CommunityEvent.event == event.id):
            raise Conflict(_("this event belongs to a community already"), field="event", code="has_community")
        await CommunityEvent(community=community.id, event=event.id, created_at=utcnow()).save()


async def community_organizer(community: Community, token: str | None) -> Participant:
    """The community's organizers are the organizers of its events: the caller's organizer key says so."""
    if not token:
        raise Unauthorized(
            _("an organizer of one of the community's events only: send 'Authorization: Bearer <organizer key>'"),
            field="authorization",
        )
    person = await Participant.objects().where(Participant.token_hash == hash_token(token[:200])).first()
    if person is None:
        raise Unauthorized(_("the key is not valid"), field="authorization")
    in_community = await CommunityEvent.exists().where(
        (CommunityEvent.community == community.id) & (CommunityEvent.event == person.event)
    )
    if person.role != Role.ORGANIZER or not in_community:
        raise Forbidden(_("only the organizers of this community's events may do this"), field="authorization")
    return person


async def update_community(community: Community, data: CommunityPatch) -> Community:
    changes: dict[Any, Any] = {}
    if data.name is not None:
        changes[Community.name] = clean_text(data.name, "name", max_length=120)
    if data.description is not None:
        changes[Community.description] = clean_text(
            data.description, "description", max_length=2000, multiline=True, required=False
        )
    if data.welcomes_enabled is not None:
        changes[Community.welcomes_enabled] = data.welcomes_enabled
    if data.greeter_daily_cap is not None:
        changes[Community.greeter_daily_cap] = data.greeter_daily_cap
    if changes:
        await Community.update(changes).where(Community.id == community.id)
    return await get_community(community.slug)


# -- members ----------------------------------------------------------------------------------------------------------


async def member_of_participant(participant_id: int) -> Member | None:
    link = await Attendance.select(Attendance.member).where(Attendance.participant == participant_id).first()
    if link is None:
        return None
    return await Member.objects().where(Member.id == link["member"]).first()


async def member_participants(member_id: int) -> list[int]:
    rows = await Attendance.select(Attendance.participant).where(Attendance.member == member_id)
    return [row["participant"] for row in rows]


async def member_out(member: Member, *, signin_sent: bool = False) -> MemberOut:
    community = await Community.objects().where(Community.id == member.community).first()
    ids = await member_participants(member.id)
    slugs = (
        [
            r["slug"]
            for r in await Event.select(Event.slug).where(
                Event.id.is_in(Participant.select(Participant.event).where(Participant.id.is_in(ids)))
            )
        ]
        if ids
        else []
    )
    return MemberOut(
        id=member.id,
        community=community.slug if community else "",
        email=member.email_key,
        greeter=member.greeter,
        events=sorted(slugs),
        signin_sent=signin_sent,
    )


async def stay_as_member(event: Event, participant: Participant, email: str) -> tuple[Member, bool]:
    """The attendee stays in the event's community: a member with this email, tied to this participant.

    An address that is a member already gets this participant added to its history. Their profile for
    this event moves to the membership, unless the member has one. A sign-in link is mailed when mail
    is set up (the bool says whether one was queued).
    """
    community = await community_of_event(event.id)
    if community is None:
        raise NotFound(_("this event belongs to no community"), field="community")
    address = clean_email(email, "email")
    assert address is not None
    key = address.lower()
    now = utcnow()
    async with write_transaction():
        existing = await member_of_participant(participant.id)
        if existing is not None:
            if existing.email_key != key:
                raise Conflict(
                    _("you are a member already, with another address"), field="email", code="member_already"
                )
            member = existing
        else:
            found = await Member.objects().where((Member.community == community.id) & (Member.email_key == key)).first()
            if found is None:
                found = Member(community=community.id, email_key=key, created_at=now, language=i18n.current_locale())
                await found.save()
            member = found
            await Attendance(member=member.id, participant=participant.id, created_at=now).save()
            own = await Profile.objects().where(Profile.participant == participant.id).first()
            if own is not None and not await Profile.exists().where(Profile.member == member.id):
                await Profile.update({Profile.member: member.id, Profile.participant: None}).where(Profile.id == own.id)
    sent = await queue_signin(member, participant_id=participant.id, event_id=event.id)
    return member, sent


async def queue_signin(member: Member, *, participant_id: int | None = None, event_id: int | None = None) -> bool:
    """Queue one sign-in mail (built at send time with a fresh code); False without mail or with one waiting."""
    if not get_settings().mail_enabled:
        return False
    if participant_id is None or event_id is None:
        ids = await member_participants(member.id)
        if not ids:
            return False
        latest = (
            await Participant.objects()
            .where(Participant.id.is_in(ids))
            .order_by(Participant.id, ascending=False)
            .first()
        )
        if latest is None:
            return False
        participant_id, event_id = latest.id, latest.event
    payload = json.dumps({"member": member.id})
    waiting = await Outbox.exists().where(
        (Outbox.kind == SIGNIN_MAIL) & (Outbox.status == "pending") & (Outbox.payload == payload)
    )
    if waiting:
        return False
    now = utcnow()
    await Outbox(
        event=event_id,
        channel="email",
        kind=SIGNIN_MAIL,
        participant=participant_id,
        recipient=member.email_key,
        subject="Your sign-in link",
        payload=payload,
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    ).save()
    return True


async def request_signin(community: Community, email: str) -> None:
    """Mail a sign-in link if the address is a member's; the caller answers the same either way."""
    require_mail()
    address = clean_email(email, "email")
    assert address is not None
    member = (
        await Member.objects().where((Member.community == community.id) & (Member.email_key == address.lower())).first()
    )
    if member is not None:
        await queue_signin(member)


def signin_link(community_slug: str, code: str) -> str:
    return f"{get_settings().public_url}/c/{community_slug}/signin?code={code}"


async def mint_signin_code(member_id: int) -> str:
    """A fresh single-use code; any earlier one stops working."""
    code = new_token()
    await Member.update({Member.signin_hash: hash_token(code), Member.signin_created_at: utcnow()}).where(
        Member.id == member_id
    )
    return code


async def build_signin_mail(row: Outbox) -> EmailMessage | None:
    """The sign-in email (notify's worker sends it), with a code minted now."""
    payload = json.loads(row.payload or "{}")
    member = await Member.objects().where(Member.id == int(payload.get("member") or 0)).first()
    event = await Event.objects().where(Event.id == row.event).first()
    if member is None or event is None:
        return None
    community = await Community.objects().where(Community.id == member.community).first()
    if community is None:
        return None
    link = signin_link(community.slug, await mint_signin_code(member.id))
    with i18n.use_locale(member.language or i18n.current_locale()):  # the member's language, else the event's
        info = event_info(event)
        message = EmailMessage()
        message["From"] = get_settings().smtp_from or "unconf@localhost"
        message["To"] = member.email_key
        message["Subject"] = _("Sign in to {community}").format(community=community.name)
        message["X-Unconf-Event"] = event.slug
        here = _("Here is your sign-in link for {community} (it works once, for one hour):")
        asked = _("You asked for it at {event}. If you did not, ignore this email: nothing happens without the link.")
        hello = _("Hello,")
        message.set_content(
            f"{hello}\n\n{here.format(community=community.name)}\n\n{link}\n\n{asked.format(event=info.title)}\n"
        )
        message["Content-Language"] = i18n.html_lang()
    return message


async def redeem_signin(community: Community, code: str) -> tuple[Member, str]:
    """Trade a sign-in code for a member token; the code works once, within an hour."""
    code = code.strip()
    if not code or len(code) > 200:
        raise Unauthorized(_("this sign-in link is not valid"), field="code")
    member = (
        await Member.objects()
        .where((Member.community == community.id) & (Member.signin_hash == hash_token(code)))
        .first()
    )
    if member is None:
        raise Unauthorized(_("this sign-in link is not valid, or was used already"), field="code")
    created = aware(member.signin_created_at)
    if created is None or utcnow() - created > SIGNIN_VALID:
        await Member.update({Member.signin_hash: None}).where(Member.id == member.id)
        raise Unauthorized(_("this sign-in link has expired: ask for a new one"), field="code", code="expired")
    token = new_token()
    await Member.update(
        {
            Member.signin_hash: None,
            Member.token_hash: hash_token(token),
            Member.last_signin_at: utcnow(),
            Member.language: i18n.current_locale(),  # their mail is written in it
        }
    ).where(Member.id == member.id)
    fresh = await Member.objects().where(Member.id == member.id).first()
    assert fresh is not None
    return fresh, token


async def member_from_token(community: Community, token: str | None) -> Member:
    if not token or len(token) > 200:
        raise Unauthorized(_("sign in as a member first (a sign-in link by email)"), field="authorization")
    member = (
        await Member.objects()
        .where((Member.community == community.id) & (Member.token_hash == hash_token(token)))
        .first()
    )
    if member is None:
        raise Unauthorized(_("this member sign-in is not valid any more: ask for a new link"), field="authorization")
    return member


async def remember_member_language(tokens: list[str], language: str) -> None:
    """The members these session tokens belong to chose ``language`` (the switcher): their mail follows."""
    hashes = [hash_token(t) for t in tokens if t and len(t) <= 200][:20]
    if hashes and i18n.supported(language):
        await Member.update({Member.language: i18n.supported(language)}).where(Member.token_hash.is_in(hashes))


async def sign_out_member(member: Member) -> None:
    await Member.update({Member.token_hash: None}).where(Member.id == member.id)


async def join_with_membership(community: Community, member: Member, event_slug: str) -> tuple[Event, Participant, str]:
    """One tap: the member is in the community's event, under their profile's name, with a fresh token.

    Someone who is in that event already gets a fresh token for their participant (the email proved it).
    """
    event = await Event.objects().where(Event.slug == event_slug).first()
    if event is None or not await CommunityEvent.exists().where(
        (CommunityEvent.event == event.id) & (CommunityEvent.community == community.id)
    ):
        raise NotFound(_("no event {event_slug!r} in this community").format(event_slug=event_slug), field="event")
    ids = await member_participants(member.id)
    there = (
        await Participant.objects().where(Participant.id.is_in(ids) & (Participant.event == event.id)).first()
        if ids
        else None
    )
    token = new_token()
    if there is not None:
        await Participant.update({Participant.token_hash: hash_token(token)}).where(Participant.id == there.id)
        return event, there, token
    profile = await Profile.objects().where(Profile.member == member.id).first()
    name = (profile.display_name if profile else "") or member.email_key.split("@")[0][:80]
    joined = await join_event(event, JoinRequest(join_code=event.join_code, display_name=name))
    await Attendance(member=member.id, participant=joined.participant.id, created_at=utcnow()).save()
    participant = await Participant.objects().where(Participant.id == joined.participant.id).first()
    assert participant is not None
    return event, participant, joined.token


async def members_for_organizers(community: Community) -> list[MemberListEntry]:
    members = await Member.objects().where(Member.community == community.id).order_by(Member.id)
    names = await _member_names([m.id for m in members])
    return [MemberListEntry(member_id=m.id, display_name=names.get(m.id, ""), greeter=m.greeter) for m in members]


async def _member_names(member_ids: list[int]) -> dict[int, str]:
    """A member's name: their profile's, else the name at their latest event."""
    if not member_ids:
        return {}
    names: dict[int, str] = {}
    for row in (
        await Attendance.select(Attendance.member, Attendance.participant.display_name.as_alias("name"))
        .where(Attendance.member.is_in(member_ids))
        .order_by(Attendance.id)
    ):
        names[row["member"]] = row["name"]
    for row in await Profile.select(Profile.member, Profile.display_name).where(Profile.member.is_in(member_ids)):
        if row["display_name"]:
            names[row["member"]] = row["display_name"]
    return names


async def set_greeter(community: Community, member_id: int, greeter: bool) -> MemberListEntry:
    member = await Member.objects().where((Member.id == member_id) & (Member.community == community.id)).first()
    if member is None:
        raise NotFound(_("no member {member_id} in this community").format(member_id=member_id), field="member_id")
    await Member.update({Member.greeter: greeter}).where(Member.id == member.id)
    names = await _member_names([member.id])
    return MemberListEntry(member_id=member.id, display_name=names.get(member.id, ""), greeter=greeter)


# -- profiles ---------------------------------------------------------------------------------------------------------


async def profile_row(participant_id: int) -> Profile | None:
    """The profile that speaks for this participant: their membership's, else their own for this event."""
    member = await member_of_participant(participant_id)
    if member is not None:
        return await Profile.objects().where(Profile.member == member.id).first()
    return await Profile.objects().where(Profile.participant == participant_id).first()


def profile_out(p: Profile | None) -> ProfileOut:
    if p is None:
        return ProfileOut(
            display_name="",
            role="",
            subjects=[],
            grade_levels=[],
            city="",
            can_help=[],
            looking_for=[],
            bio="",
            visibility="members",
            in_directory=True,
            suggest_as_peer=False,
        )
    return ProfileOut(
        display_name=p.display_name,
        role=p.role,
        subjects=list(p.subjects or []),
        grade_levels=list(p.grade_levels or []),
        city=p.city,
        can_help=list(p.can_help or []),
        looking_for=list(p.looking_for or []),
        bio=p.bio,
        visibility="attendees" if p.visibility == "attendees" else "members",
        in_directory=p.in_directory,
        suggest_as_peer=p.suggest_as_peer,
    )


def _profile_values(data: ProfileIn) -> dict[str, Any]:
    return {
        "display_name": clean_text(data.display_name, "display_name", max_length=80, required=False),
        "role": clean_text(data.role, "role", max_length=40, required=False),
        "subjects": clean_tags(data.subjects, "subjects"),
        "grade_levels": clean_tags(data.grade_levels, "grade_levels"),
        "city": clean_text(data.city, "city", max_length=80, required=False),
        "can_help": clean_tags(data.can_help, "can_help"),
        "looking_for": clean_tags(data.looking_for, "looking_for"),
        "bio": clean_text(data.bio, "bio", max_length=500, multiline=True, required=False),
        "visibility": data.visibility,
        "in_directory": data.in_directory,
        "suggest_as_peer": data.suggest_as_peer,
    }


async def save_profile(
    data: ProfileIn, *, member_id: int | None = None, participant_id: int | None = None
) -> ProfileOut:
    """Create or replace a profile, all fields checked before anything is written."""
    values = _profile_values(data)
    values["updated_at"] = utcnow()
    if member_id is not None:
        where = Profile.member == member_id
    elif participant_id is not None:
        member = await member_of_participant(participant_id)
        if member is not None:
            return await save_profile(data, member_id=member.id)
        where = Profile.participant == participant_id
    else:
        raise ValueError("a profile belongs to a member or a participant")
    async with write_transaction():
        existing = await Profile.objects().where(where).first()
        if existing is None:
            row = Profile(member=member_id, participant=participant_id if member_id is None else None, **values)
            await row.save()
        else:
            await Profile.update({getattr(Profile, k): v for k, v in values.items()}).where(Profile.id == existing.id)
    return profile_out(await Profile.objects().where(where).first())


async def participant_profile(participant_id: int) -> ProfileOut:
    return profile_out(await profile_row(participant_id))


async def member_profile(member_id: int) -> ProfileOut:
    return profile_out(await Profile.objects().where(Profile.member == member_id).first())


async def visible_profile(event: Event, viewer: Participant, participant_id: int) -> PersonProfile:
    """Someone's profile, if they show it to this viewer: to everyone at their events (``attendees``), or
    to the community's members when both are members. Blocked either way, hidden or absent: not found."""
    target = (
        await Participant.objects().where((Participant.id == participant_id) & (Participant.event == event.id)).first()
    )
    hidden = NotFound(
        _("participant {participant_id} shows no profile to you").format(participant_id=participant_id),
        field="participant_id",
    )
    if target is None:
        raise hidden
    profile = await profile_row(target.id)
    if profile is None or await is_blocked(viewer.id, target.id):
        raise hidden
    shown = target.id == viewer.id or profile.visibility == "attendees"
    if not shown:
        members = await _member_ids_of([viewer.id, target.id])
        if viewer.id in members and target.id in members:
            communities = await Member.select(Member.community).where(
                Member.id.is_in([members[viewer.id], members[target.id]])
            )
            shown = len({r["community"] for r in communities}) == 1
    if not shown:
        raise hidden
    return PersonProfile(
        participant_id=target.id,
        display_name=profile.display_name or target.display_name,
        role=profile.role,
        subjects=list(profile.subjects),
        grade_levels=list(profile.grade_levels),
        city=profile.city,
        can_help=list(profile.can_help),
        looking_for=list(profile.looking_for),
        bio=profile.bio,
    )


async def directory(community: Community, viewer: Member, *, tag: str = "", city: str = "") -> list[DirectoryEntry]:
    """Members who stay listed, as other members see them; filtered by a tag (any tag field) and a city."""
    wanted_tag = clean_text(tag, "tag", max_length=40, required=False).lower()
    wanted_city = clean_text(city, "city", max_length=80, required=False).casefold()
    rows = await Profile.objects().where(
        Profile.member.is_in(Member.select(Member.id).where(Member.community == community.id))
        & (Profile.in_directory == True)  # noqa: E712 (Piccolo builds SQL from ==)
    )
    hidden = await _blocked_members(viewer.id)
    out: list[DirectoryEntry] = []
    for p in rows:
        if p.member in hidden:
            continue
        tags = {*p.subjects, *p.grade_levels, *p.can_help, *p.looking_for, p.role.lower()}
        if wanted_tag and wanted_tag not in tags:
            continue
        if wanted_city and p.city.casefold() != wanted_city:
            continue
        out.append(
            DirectoryEntry(
                member_id=p.member,
                display_name=p.display_name,
                role=p.role,
                subjects=list(p.subjects),
                grade_levels=list(p.grade_levels),
                city=p.city,
                can_help=list(p.can_help),
                looking_for=list(p.looking_for),
                bio=p.bio,
            )
        )
    out.sort(key=lambda e: (e.display_name.casefold(), e.member_id))
    return out


async def _blocked_members(member_id: int) -> set[int]:
    rows = await Block.select(Block.blocker_member, Block.blocked_member).where(
        (Block.blocker_member == member_id) | (Block.blocked_member == member_id)
    )
    return {r["blocked_member"] if r["blocker_member"] == member_id else r["blocker_member"] for r in rows} - {None}


# -- blocks -----------------------------------------------------------------------------------------------------------


async def _member_ids_of(participant_ids: Iterable[int]) -> dict[int, int]:
    ids = list(participant_ids)
    if not ids:
        return {}
    rows = await Attendance.select(Attendance.participant, Attendance.member).where(Attendance.participant.is_in(ids))
    return {r["participant"]: r["member"] for r in rows}


async def block(event: Event, blocker: Participant, blocked_participant_id: int) -> BlockOut:
    """``blocker`` blocks someone in their event; it holds at the community's later events too."""
    if blocked_participant_id == blocker.id:
        raise ValidationFailed(_("you cannot block yourself"), field="participant_id")
    target = (
        await Participant.objects()
        .where((Participant.id == blocked_participant_id) & (Participant.event == event.id))
        .first()
    )
    if target is None:
        raise NotFound(
            _("no participant {participant_id} in this event").format(participant_id=blocked_participant_id),
            field="participant_id",
        )
    members = await _member_ids_of([blocker.id, target.id])
    if not await is_blocked_by(blocker.id, target.id):
        await Block(
            blocker_participant=blocker.id,
            blocker_member=members.get(blocker.id),
            blocked_participant=target.id,
            blocked_member=members.get(target.id),
            created_at=utcnow(),
        ).save()
    return BlockOut(participant_id=target.id, display_name=target.display_name)


async def unblock(blocker: Participant, blocked_participant_id: int) -> None:
    members = await _member_ids_of([blocker.id, blocked_participant_id])
    mine: Combinable = Block.blocker_participant == blocker.id
    if blocker.id in members:
        mine = mine | (Block.blocker_member == members[blocker.id])
    theirs: Combinable = Block.blocked_participant == blocked_participant_id
    if blocked_participant_id in members:
        theirs = theirs | (Block.blocked_member == members[blocked_participant_id])
    if not await Block.exists().where(mine & theirs):
        raise NotFound(
            _("you have not blocked participant {participant_id}").format(participant_id=blocked_participant_id),
            field="participant_id",
        )
    await Block.delete().where(mine & theirs)


async def is_blocked_by(blocker_id: int, blocked_id: int) -> bool:
    """Whether the first participant blocked the second (directly, or as members)."""
    members = await _member_ids_of([blocker_id, blocked_id])
    by: Combinable = Block.blocker_participant == blocker_id
    if blocker_id in members:
        by = by | (Block.blocker_member == members[blocker_id])
    of: Combinable = Block.blocked_participant == blocked_id
    if blocked_id in members:
        of = of | (Block.blocked_member == members[blocked_id])
    return bool(await Block.exists().where(by & of))


async def is_blocked(a: int, b: int) -> bool:
    """Whether either of two participants blocked the other: then they never reach each other."""
    return await is_blocked_by(a, b) or await is_blocked_by(b, a)


async def blocked_ids(participant_id: int) -> set[int]:
    """Every participant id (any event) blocked by, or blocking, this person, members' other rows included."""
    member = (await _member_ids_of([participant_id])).get(participant_id)
    mine: Combinable = (Block.blocker_participant == participant_id) | (Block.blocked_participant == participant_id)
    if member is not None:
        mine = mine | (Block.blocker_member == member) | (Block.blocked_member == member)
    rows = await Block.select(
        Block.blocker_participant, Block.blocker_member, Block.blocked_participant, Block.blocked_member
    ).where(mine)
    me_p, other_members = {participant_id}, set()
    out: set[int] = set()
    for r in rows:
        i_blocked = r["blocker_participant"] in me_p or (member is not None and r["blocker_member"] == member)
        side = ("blocked_participant", "blocked_member") if i_blocked else ("blocker_participant", "blocker_member")
        if r[side[0]] is not None:
            out.add(r[side[0]])
        if r[side[1]] is not None:
            other_members.add(r[side[1]])
    if other_members:
        rows2 = await Attendance.select(Attendance.participant).where(Attendance.member.is_in(list(other_members)))
        out |= {r["participant"] for r in rows2}
    out.discard(participant_id)
    return out


async def my_blocks(participant: Participant) -> list[BlockOut]:
    members = await _member_ids_of([participant.id])
    by: Combinable = Block.blocker_participant == participant.id
    if participant.id in members:
        by = by | (Block.blocker_member == members[participant.id])
    rows = await Block.select(Block.blocked_participant).where(by)
    ids = [r["blocked_participant"] for r in rows if r["blocked_participant"] is not None]
    if not ids:
        return []
    people = await Participant.select(Participant.id, Participant.display_name).where(Participant.id.is_in(ids))
    return [BlockOut(participant_id=p["id"], display_name=p["display_name"]) for p in people]


# -- peers ------------------------------------------------------------------------------------------------------------


@dataclass
class Interests:
    """Everyone in one event and what they care about, ready for the sparse similarity."""

    people: list[int]
    names: dict[int, str]
    proposals: list[list[int]]  # per person: proposal ids (this event and past ones of the community)
    topics: list[list[str]]  # per person: profile subjects and grade levels
    looking_for: list[list[str]]
    can_help: list[list[str]]
    allowed: list[bool]  # chose to be suggested as a peer


async def _interests(event: Event, people: list[int], names: dict[int, str]) -> Interests:
    members = await _member_ids_of(people)
    wanted: dict[int, set[int]] = defaultdict(set)
    for proposal, voters in (await voters_by_proposal(event.id)).items():
        for pid in voters:
            wanted[pid].add(proposal)
    # Past events of the community: a member's earlier votes still say what they care about.
    if members:
        history = await Attendance.select(
            Attendance.member, Attendance.participant, Attendance.participant.event.as_alias("event")
        ).where(Attendance.member.is_in(list(set(members.values()))))
        past_row: dict[int, int] = {}
        past_events: set[int] = set()
        now_of_member = {m: p for p, m in members.items()}
        for row in history:
            if row["event"] != event.id and row["member"] in now_of_member:
                past_row[row["participant"]] = now_of_member[row["member"]]
                past_events.add(row["event"])
        for past in past_events:
            for proposal, voters in (await voters_by_proposal(past)).items():
                for pid in voters:
                    if pid in past_row:
                        wanted[past_row[pid]].add(proposal)
    authored = (
        await Proposal.select(Proposal.id, Proposal.created_by).where(
            (Proposal.event == event.id) & Proposal.created_by.is_in(people)
        )
        if people
        else []
    )
    for row in authored:
        wanted[row["created_by"]].add(row["id"])
    facilitating = (
        await ProposalFacilitator.select(ProposalFacilitator.proposal, ProposalFacilitator.participant).where(
            ProposalFacilitator.participant.is_in(people)
        )
        if people
        else []
    )
    for row in facilitating:
        wanted[row["participant"]].add(row["proposal"])
    profiles = await _profiles_for(people, members)
    interests = Interests(
        people=people, names=dict(names), proposals=[], topics=[], looking_for=[], can_help=[], allowed=[]
    )
    for pid in people:
        p = profiles.get(pid)
        interests.proposals.append(sorted(wanted.get(pid, ())))
        interests.topics.append([*p.subjects, *p.grade_levels] if p else [])
        interests.looking_for.append(list(p.looking_for) if p else [])
        interests.can_help.append(list(p.can_help) if p else [])
        interests.allowed.append(bool(p and p.suggest_as_peer))
        if p and p.display_name:
            interests.names[pid] = p.display_name
    return interests


async def _profiles_for(people: list[int], members: dict[int, int]) -> dict[int, Profile]:
    out: dict[int, Profile] = {}
    if not people:
        return out
    for p in await Profile.objects().where(Profile.participant.is_in(people)):
        out[p.participant] = p
    if members:
        by_member = {m: pid for pid, m in members.items()}
        for p in await Profile.objects().where(Profile.member.is_in(list(by_member))):
            out[by_member[p.member]] = p
    return out


def matrices(interests: Interests) -> similarity.PeerMatrices:
    """Proposals and profile topics share one column space (topics after every proposal); tags another."""
    n = len(interests.people)
    lengths = np.fromiter(map(len, interests.proposals), dtype=np.int64, count=n)
    flat = np.fromiter(chain.from_iterable(interests.proposals), dtype=np.int64, count=int(lengths.sum()))
    proposal_ids, proposal_cols = np.unique(flat, return_inverse=True)
    topic_ids: dict[Hashable, int] = {}
    topic_rows, topic_cols = similarity.encode(interests.topics, topic_ids)
    people = np.arange(n, dtype=np.int64)
    row_of = np.concatenate([np.repeat(people, lengths), topic_rows])
    column_of = np.concatenate([proposal_cols.astype(np.int64).ravel(), topic_cols + len(proposal_ids)])
    columns = len(proposal_ids) + len(topic_ids)
    tags: dict[Hashable, int] = {}
    looking_rows, looking_cols = similarity.encode(interests.looking_for, tags)
    helping_rows, helping_cols = similarity.encode(interests.can_help, tags)
    return similarity.PeerMatrices(
        interests=similarity.from_pairs(row_of, column_of, n, columns),
        looking_for=similarity.from_pairs(looking_rows, looking_cols, n, len(tags)),
        can_help=similarity.from_pairs(helping_rows, helping_cols, n, len(tags)),
    )


def rank(
    interests: Interests,
    me: int,
    excluded: set[int],
    limit: int = PEER_LIMIT,
    built: similarity.PeerMatrices | None = None,
) -> list[tuple[int, float]]:
    """The best ``limit`` peers of row ``me``: people who allow it, not excluded (blocked), best first.

    ``built`` is the event's matrices when the caller has them already (they are cached per event).
    """
    allowed = np.array(interests.allowed, dtype=bool)
    if excluded:
        allowed &= ~np.isin(np.array(interests.people, dtype=np.int64), np.fromiter(excluded, dtype=np.int64))
    return similarity.best(built or matrices(interests), me, allowed, limit)


async def _profiles_stamp(event_id: int) -> str:
    """Changes whenever a profile that speaks for someone in this event is saved, moved or erased.

    Votes, proposals and joins already drop the event's cached reads (``realtime.publish``); profile
    changes publish nothing, so the cached peer data is keyed by this stamp instead.
    """
    in_event = Participant.select(Participant.id).where(Participant.event == event_id)
    their_members = Attendance.select(Attendance.member).where(Attendance.participant.is_in(in_event))
    rows = await Profile.select(Max(Profile.updated_at).as_alias("latest"), Count(Profile.id).as_alias("n")).where(
        Profile.participant.is_in(in_event) | Profile.member.is_in(their_members)
    )
    links = await Attendance.count().where(Attendance.participant.is_in(in_event))
    row = rows[0] if rows else {"latest": None, "n": 0}
    return f"{row['latest']}|{row['n']}|{links}"


async def event_peer_data(event: Event) -> tuple[Interests, similarity.PeerMatrices]:
    """Everyone's interests in this event and their matrices, read once and kept until something changes."""

    async def build() -> tuple[Interests, similarity.PeerMatrices]:
        rows = (
            await Participant.select(Participant.id, Participant.display_name)
            .where(Participant.event == event.id)
            .order_by(Participant.id)
        )
        people = [r["id"] for r in rows]
        interests = await _interests(event, people, {r["id"]: r["display_name"] for r in rows})
        return interests, matrices(interests)

    return await read_cache.through(event.slug, f"community.peers:{await _profiles_stamp(event.id)}", build)


def _and(items: list[str]) -> str:
    return format_list(items)


async def peers(event: Event, me: Participant) -> list[Peer]:
    """Up to ten people in this event who share the caller's interests, best first, and what they share."""
    interests, built = await event_peer_data(event)
    people = interests.people
    row_of = {pid: r for r, pid in enumerate(people)}
    if me.id not in row_of:  # joined after the data was read: read it again
        read_cache.invalidate(event.slug)
        interests, built = await event_peer_data(event)
        people = interests.people
        row_of = {pid: r for r, pid in enumerate(people)}
    ranked = rank(interests, row_of[me.id], await blocked_ids(me.id), built=built)
    if not ranked:
        return []
    my_props = set(interests.proposals[row_of[me.id]])
    shared_ids = {p for r, _score in ranked for p in set(interests.proposals[r]) & my_props}
    titles = {
        r["id"]: r["title"]
        for r in (
            await Proposal.select(Proposal.id, Proposal.title).where(Proposal.id.is_in(list(shared_ids)))
            if shared_ids
            else []
        )
    }
    mine = row_of[me.id]
    out: list[Peer] = []
    for r, _score in ranked:
        pid = people[r]
        shared = [titles[p] for p in sorted(set(interests.proposals[r]) & my_props) if p in titles][:3]
        they_help = [t for t in interests.looking_for[mine] if t in interests.can_help[r]]
        you_help = [t for t in interests.can_help[mine] if t in interests.looking_for[r]]
        topics = [t for t in interests.topics[mine] if t in interests.topics[r]]
        reasons = []
        if shared:
            reasons.append(_("you both voted for {titles}").format(titles=_and(shared)))
        if they_help:
            reasons.append(_("they can help with {topics}").format(topics=_and(they_help)))
        if you_help:
            reasons.append(_("you can help them with {topics}").format(topics=_and(you_help)))
        if topics:
            reasons.append(_("you both work with {topics}").format(topics=_and(topics)))
        reason = pgettext("between reasons", "; ").join(reasons)
        out.append(
            Peer(
                participant_id=pid,
                display_name=interests.names.get(pid, ""),
                shared_proposals=shared,
                they_can_help=they_help,
                you_can_help=you_help,
                shared_topics=topics,
                reason=reason[:1].upper() + reason[1:],
                note_url=f"/e/{event.slug}/people/{pid}/note",
            )
        )
    return out


# -- greeters ---------------------------------------------------------------------------------------------------------


async def greetings_today(community_id: int) -> dict[int, int]:
    since = utcnow() - timedelta(days=1)
    rows = await Greeting.select(Greeting.greeter).where(
        (Greeting.community == community_id) & (Greeting.assigned_at >= since)
    )
    counts: dict[int, int] = defaultdict(int)
    for r in rows:
        counts[r["greeter"]] += 1
    return counts


async def best_greeter_for(community_id: int, participant_id: int) -> Member | None:
    """The greeter whose profile and votes match this newcomer best, among those under today's cap.

    None when welcomes are off, nobody volunteers, everyone is at their cap, or every greeter is
    blocked by (or blocks) the newcomer. With no shared interest at all the least busy greeter welcomes.
    "Today" is the last 24 hours.
    """
    community = await Community.objects().where(Community.id == community_id).first()
    if community is None or not community.welcomes_enabled or community.greeter_daily_cap <= 0:
        return None
    newcomer = await Participant.objects().where(Participant.id == participant_id).first()
    if newcomer is None:
        return None
    own_member = (await _member_ids_of([participant_id])).get(participant_id)
    load = await greetings_today(community_id)
    greeters = [
        g
        for g in await Member.objects().where((Member.community == community_id) & (Member.greeter == True))  # noqa: E712
        if g.id != own_member and load.get(g.id, 0) < community.greeter_daily_cap
    ]
    if not greeters:
        return None
    blocked = await blocked_ids(participant_id)
    blocked_members = await _blocked_members(own_member) if own_member is not None else set()
    candidates: list[tuple[Member, list[int]]] = []
    for g in greeters:
        rows = await member_participants(g.id)
        if g.id in blocked_members or any(r in blocked for r in rows):
            continue
        candidates.append((g, rows))
    if not candidates:
        return None
    event = await Event.objects().where(Event.id == newcomer.event).first()
    assert event is not None
    mine = await _interests(event, [participant_id], {})
    # Each greeter as one row: their votes across the community's events and their profile.
    proposals: list[list[int]] = [mine.proposals[0]]
    topics, looking, helping = [mine.topics[0]], [mine.looking_for[0]], [mine.can_help[0]]
    for g, rows in candidates:
        voted: set[int] = set()
        if rows:
            for past in {
                r["event"] for r in await Participant.select(Participant.event).where(Participant.id.is_in(rows))
            }:
                for proposal, voters in (await voters_by_proposal(past)).items():
                    if any(v in rows for v in voters):
                        voted.add(proposal)
        profile = await Profile.objects().where(Profile.member == g.id).first()
        proposals.append(sorted(voted))
        topics.append([*profile.subjects, *profile.grade_levels] if profile else [])
        looking.append(list(profile.looking_for) if profile else [])
        helping.append(list(profile.can_help) if profile else [])
    table = Interests(
        people=[participant_id, *[g.id for g, _ in candidates]],
        names={},
        proposals=proposals,
        topics=topics,
        looking_for=looking,
        can_help=helping,
        allowed=[False, *[True] * len(candidates)],
    )
    totals = similarity.scores(matrices(table), 0)
    best_row = min(
        range(1, len(table.people)),
        key=lambda r: (-round(float(totals[r]), 9), load.get(candidates[r - 1][0].id, 0), candidates[r - 1][0].id),
    )
    return candidates[best_row - 1][0]


async def assign_greeter(community_id: int, participant_id: int) -> Member | None:
    """Give this newcomer their greeter once (counted toward the greeter's daily cap); the same one after."""
    existing = await Greeting.objects().where(Greeting.newcomer == participant_id).first()
    if existing is not None:
        return await Member.objects().where(Member.id == existing.greeter).first()
    greeter = await best_greeter_for(community_id, participant_id)
    if greeter is None:
        return None
    await Greeting.insert(
        Greeting(community=community_id, greeter=greeter.id, newcomer=participant_id, assigned_at=utcnow())
    ).on_conflict(target=Greeting.newcomer, action="DO NOTHING")
    row = await Greeting.objects().where(Greeting.newcomer == participant_id).first()
    return await Member.objects().where(Member.id == row.greeter).first() if row else None


# -- personal data ----------------------------------------------------------------------------------------------------


async def person_of(participant: Participant) -> Person:
    """The person behind this participant: with a membership, every event of theirs in the community."""
    member = await member_of_participant(participant.id)
    if member is None:
        return Person(participant_ids=(participant.id,))
    ids = sorted({participant.id, *await member_participants(member.id)})
    return Person(participant_ids=tuple(ids), member_ids=(member.id,))


async def person_of_member(member: Member) -> Person:
    return Person(participant_ids=tuple(sorted(await member_participants(member.id))), member_ids=(member.id,))


async def contribute(person: Person) -> dict[str, Any]:
    pids, mids = list(person.participant_ids), list(person.member_ids)
    members = await Member.objects().where(Member.id.is_in(mids)) if mids else []
    profiles = []
    if pids or mids:
        owners: list[Combinable] = []
        if pids:
            owners.append(Profile.participant.is_in(pids))
        if mids:
            owners.append(Profile.member.is_in(mids))
        where = owners[0] if len(owners) == 1 else owners[0] | owners[1]
        profiles = await Profile.objects().where(where)
    blocks = []
    if pids:
        rows = await Block.select(Block.blocked_participant.display_name.as_alias("name"), Block.created_at).where(
            Block.blocker_participant.is_in(pids)
        )
        blocks = [{"blocked": r["name"], "created_at": str(r["created_at"])} for r in rows]
    communities = (
        {c.id: c.slug for c in await Community.objects().where(Community.id.is_in([m.community for m in members]))}
        if members
        else {}
    )
    return {
        "memberships": [
            {
                "community": communities.get(m.community, ""),
                "email": m.email_key,
                "greeter": m.greeter,
                "language": m.language,
                "since": str(m.created_at),
            }
            for m in members
        ],
        "profiles": [msgspec_to_dict(profile_out(p)) for p in profiles],
        "blocks": blocks,
    }


def msgspec_to_dict(value: ProfileOut) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(value)
    return out


async def erase(person: Person) -> None:
    """Profiles, memberships, attendance links and greetings go; blocks others made stay (by participant),
    so someone who blocked this person is still never reached by them."""
    pids, mids = list(person.participant_ids), list(person.member_ids)
    if pids:
        await Profile.delete().where(Profile.participant.is_in(pids))
        await Block.delete().where(Block.blocker_participant.is_in(pids))
        await Greeting.delete().where(Greeting.newcomer.is_in(pids))
        await Attendance.delete().where(Attendance.participant.is_in(pids))
    if mids:
        await Profile.delete().where(Profile.member.is_in(mids))
        await Block.delete().where(Block.blocker_member.is_in(mids))
        await Block.update({Block.blocked_member: None}).where(Block.blocked_member.is_in(mids))
        await Member.delete().where(Member.id.is_in(mids))


def register_mail() -> None:
    """The sign-in email is ours to build; notify's worker sends it (plugged in ``unconf.app.wire``)."""
    register_mail_kind(SIGNIN_MAIL, build_signin_mail)
