"""Registrant import, personal invitations and the mailing-tool export. No HTTP here.

An invitation is a single-use code (192 random bits, stored as its SHA-256) that is exchanged
for the person's own token. The token lives in ``Participant.token_hash`` (the one auth check
reads only that), so redeeming a link signs the person in on that device and signs out any
device that used an earlier link; a fresh link replaces the previous one.
"""

from __future__ import annotations

import csv
import hmac
import io
import logging
import secrets
from datetime import timedelta

import msgspec

from events.services import end_access
from events.tables import Event, Participant
from events.tiers import check_participant_limit
from notify.mail import cancel_invitations, enqueue_invitation, require_mail
from people import csvimport
from people.schemas import (
    ColumnMapping,
    ExportFormat,
    ImportReport,
    InvitationStatus,
    InviteLink,
    InviteLinks,
    InviteRequest,
    InvitesQueued,
    PersonRow,
    Skipped,
)
from people.tables import Registrant
from unconf import i18n, live, realtime
from unconf.auth import Role, is_organizer
from unconf.csvsafe import defuse_formula
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, Forbidden, NotFound, ValidationFailed, describe
from unconf.http import fetch_csv
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.tokens import hash_token, new_token
from unconf.validation import aware as _aware
from unconf.validation import utcnow

log = logging.getLogger("people")
CODE_TTL = timedelta(days=30)
SOURCES = {"eventbrite": "eventbrite", "google_forms": "sheet", "csv": "csv"}


# -- import ---------------------------------------------------------------------------------------------------------


def parse_mapping(text: str | None) -> ColumnMapping | None:
    """The organizer's confirmed mapping arrives as a JSON form field."""
    if text is None or not text.strip():
        return None
    try:
        return msgspec.json.decode(text.encode(), type=ColumnMapping)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(_("mapping: {problem}").format(problem=describe(str(exc))), field="mapping") from exc
    except msgspec.DecodeError as exc:
        raise ValidationFailed(
            _("mapping must be a JSON object like {example}").format(example='{"email": "E-mail", "name": "Name"}'),
            field="mapping",
        ) from exc


async def _known_emails(event_id: int) -> dict[str, int]:
    """Lowercased email -> participant id, for everyone already in the event (imported or joined)."""
    known: dict[str, int] = {}
    for row in await Participant.select(Participant.id, Participant.email).where(
        (Participant.event == event_id) & Participant.email.is_not_null()
    ):
        known.setdefault(str(row["email"]).strip().lower(), row["id"])
    for row in await Registrant.select(Registrant.email_key, Registrant.participant).where(
        Registrant.event == event_id
    ):
        known.setdefault(row["email_key"], row["participant"])
    return known


def _report(parsed: csvimport.Parsed, known: dict[str, int]) -> ImportReport:
    new: list[PersonRow] = []
    existing: list[PersonRow] = []
    for person in parsed.people:
        pid = known.get(person.email.lower())
        if pid is None:
            new.append(person)
        else:
            existing.append(msgspec.structs.replace(person, participant_id=pid))
    return ImportReport(
        format=parsed.format,
        columns=parsed.columns,
        mapping=parsed.mapping,
        mapping_needed=parsed.mapping_needed,
        rows=parsed.rows,
        blank_rows=parsed.blank_rows,
        new=new,
        existing=existing,
        duplicates=parsed.duplicates,
        problems=parsed.problems,
        notes=parsed.notes,
    )


async def preview_import(event: Event, raw: bytes, *, source: str, mapping: ColumnMapping | None) -> ImportReport:
    """What an import would do, changing nothing."""
    parsed = csvimport.parse(raw, source=source, mapping=mapping)
    return _report(parsed, await _known_emails(event.id))


async def run_import(event: Event, raw: bytes, *, source: str, mapping: ColumnMapping | None) -> ImportReport:
    """Create the new people in one transaction; people already in the event are left as they are."""
    if event.phase == "closed":
        raise Conflict(_("the event is closed: nobody can be added any more"), field="phase", code="wrong_phase")
    parsed = csvimport.parse(raw, source=source, mapping=mapping)
    if parsed.mapping_needed:
        if parsed.mapping:
            detail = _(
                "confirm the column mapping: send 'mapping' with at least the email column (suggested: {mapping})"
            ).format(mapping=msgspec.json.encode(parsed.mapping).decode())
        else:
            detail = _("confirm the column mapping: send 'mapping' with at least the email column")
        raise ValidationFailed(detail, field="mapping")
    now = utcnow()
    async with write_transaction():
        await lock_row(Event, event.id)
        report = _report(parsed, await _known_emails(event.id))
        if report.new:
            # The tier's cap, as for joining: all of the new people fit, or none is added.
            await check_participant_limit(event, adding=len(report.new))
        created: list[PersonRow] = []
        for person in report.new:
            participant = Participant(
                event=event.id,
                display_name=person.display_name,
                email=person.email,
                role=Role.ATTENDEE,
                # Nobody knows this token: the person signs in through their invitation link.
                token_hash=hash_token(new_token()),
                created_at=now,
            )
            await participant.save()
            await Registrant(
                event=event.id,
                participant=participant.id,
                email_key=person.email.lower(),
                first_name=person.first_name,
                last_name=person.last_name,
                source=SOURCES[parsed.format],
                external_id=person.external_id,
                created_at=now,
            ).save()
            created.append(msgspec.structs.replace(person, participant_id=participant.id))
        report.new = created
        report.imported = True
    if created:
        await realtime.publish(event.slug, live.RegistrantsImported(data=live.ImportData(created=len(created))))
    return report


# -- invitations ----------------------------------------------------------------------------------------------------


def invite_link(slug: str, code: str) -> str:
    return f"{get_settings().public_url}/e/{slug}/invite?code={code}"


async def personal_link(event: Event, person: Participant, *, invitation: bool) -> str | None:
    """A fresh single-use link for an imported person, minted as the mail goes out (notify asks for it).

    For an invitation, None cancels the mail: the person was revoked or is no longer a registrant.
    For a reminder, "" when they have signed in already (or were never imported).
    """
    registrant = await Registrant.objects().where(Registrant.participant == person.id).first()
    if invitation:
        if registrant is None or registrant.revoked_at is not None:
            return None
    elif registrant is None or registrant.redeemed_at is not None or registrant.revoked_at is not None:
        return ""
    return invite_link(event.slug, await mint_code(registrant.id))


async def _invitees(event: Event, request: InviteRequest) -> tuple[list[Participant], list[Skipped]]:
    query = Participant.objects().where(Participant.event == event.id).order_by(Participant.id)
    if request.participant_ids is not None:
        query = query.where(Participant.id.is_in(list(set(request.participant_ids)) or [0]))
    people = list(await query)
    skipped: list[Skipped] = []
    if request.participant_ids is not None:
        missing = sorted(set(request.participant_ids) - {p.id for p in people})
        if missing:
            raise NotFound(
                _("no participant {participant_id} in this event").format(participant_id=missing[0]),
                field="participant_ids",
            )
    redeemed = {
        r["participant"]
        for r in await Registrant.select(Registrant.participant).where(
            (Registrant.event == event.id) & Registrant.redeemed_at.is_not_null()
        )
    }
    chosen: list[Participant] = []
    for p in people:
        if is_organizer(p):
            if request.participant_ids is not None:
                skipped.append(Skipped(participant_id=p.id, reason=_("organizers sign in with their organizer key")))
            continue
        if p.id in redeemed and not request.include_redeemed and request.participant_ids is None:
            continue
        chosen.append(p)
    return chosen, skipped


async def _registrant_for(event: Event, participant: Participant) -> Registrant:
    """People who joined by themselves get a registrant row the first time they are invited."""
    row = await Registrant.objects().where(Registrant.participant == participant.id).first()
    if row is not None:
        return row
    key = (participant.email or "").strip().lower()
    if not key or await Registrant.exists().where((Registrant.event == event.id) & (Registrant.email_key == key)):
        # Someone imported may also have joined with the code under the same address: keys stay unique.
        key = f"participant-{participant.id}:{key}"[:254]
    first, _space, last = participant.display_name.rpartition(" ")
    row = Registrant(
        event=event.id,
        participant=participant.id,
        email_key=key,
        first_name=(first or participant.display_name)[:80],
        last_name=last[:80] if first else "",
        source="joined",
        created_at=utcnow(),
    )
    await row.save()
    return row


async def mint_code(registrant_id: int) -> str:
    """A fresh single-use code for this person; any earlier code stops working."""
    code = secrets.token_urlsafe(24)
    now = utcnow()
    await Registrant.update(
        {
            Registrant.code_hash: hash_token(code),
            Registrant.code_created_at: now,
            Registrant.invited_at: now,
            Registrant.revoked_at: None,
        }
    ).where(Registrant.id == registrant_id)
    return code


async def invitation_links(event: Event, request: InviteRequest) -> InviteLinks:
    """Fresh links to hand out by hand or through a mailing tool; shown once."""
    people, skipped = await _invitees(event, request)
    links: list[InviteLink] = []
    async with write_transaction():
        for p in people:
            registrant = await _registrant_for(event, p)
            code = await mint_code(registrant.id)
            links.append(
                InviteLink(
                    participant_id=p.id, display_name=p.display_name, email=p.email, link=invite_link(event.slug, code)
                )
            )
    return InviteLinks(links=links, skipped=skipped)


async def send_invitations(event: Event, request: InviteRequest) -> InvitesQueued:
    """Queue one invitation email per person; the worker mints each code when it sends, so no code waits in a table."""
    require_mail()
    people, skipped = await _invitees(event, request)
    queued = 0
    async with write_transaction():
        for p in people:
            if not p.email:
                skipped.append(Skipped(participant_id=p.id, reason=_("no email address")))
                continue
            registrant = await _registrant_for(event, p)
            # Clearing a revocation here is the organizer's choice to invite again.
            await Registrant.update({Registrant.revoked_at: None}).where(Registrant.id == registrant.id)
            if await enqueue_invitation(event, p):
                queued += 1
            else:
                skipped.append(Skipped(participant_id=p.id, reason=_("an invitation to this person is already queued")))
    return InvitesQueued(queued=queued, skipped=skipped)


async def revoke_invitation(event: Event, participant_id: int, *, sign_out: bool) -> InvitationStatus:
    participant = (
        await Participant.objects().where((Participant.id == participant_id) & (Participant.event == event.id)).first()
    )
    if participant is None:
        raise NotFound(
            _("no participant {participant_id} in this event").format(participant_id=participant_id),
            field="participant_id",
        )
    if is_organizer(participant):
        raise Forbidden(_("organizers sign in with their organizer key, not an invitation"), field="participant_id")
    async with write_transaction():
        registrant = await _registrant_for(event, participant)
        await Registrant.update({Registrant.code_hash: None, Registrant.revoked_at: utcnow()}).where(
            Registrant.id == registrant.id
        )
        if sign_out:
            await end_access(participant)  # the token, on every device, and every calendar feed
    await cancel_invitations(participant.id)
    return (await invitation_statuses(event, participant_id=participant.id))[0]


async def redeem(event: Event, code: str) -> tuple[Participant, str]:
    """Exchange a single-use code for the person's token; a used, replaced or revoked code is refused."""
    refused = Forbidden(
        _("this invitation link is not valid: it was used, replaced or revoked; ask the organizers for a new one"),
        field="code",
        code="invalid_invitation",
    )
    code = code.strip()
    if len(code) < 16 or len(code) > 100:
        raise refused
    digest = hash_token(code)
    token = new_token()
    async with write_transaction():
        row = (
            await Registrant.objects().where((Registrant.event == event.id) & (Registrant.code_hash == digest)).first()
        )
        if row is None or row.code_hash is None or not hmac.compare_digest(row.code_hash, digest):
            raise refused
        created = _aware(row.code_created_at)
        if created is None or utcnow() - created > CODE_TTL:
            raise Forbidden(
                _("this invitation link has expired; ask the organizers for a new one"),
                field="code",
                code="invitation_expired",
            )
        # Conditional on the code still being there: of two simultaneous clicks, one wins.
        claimed = (
            await Registrant.update({Registrant.code_hash: None, Registrant.redeemed_at: utcnow()})
            .where((Registrant.id == row.id) & (Registrant.code_hash == digest))
            .returning(Registrant.id)
        )
        if not claimed:
            raise refused
        # The language they opened their invitation in: their mail and calendars are written in it.
        await Participant.update(
            {Participant.token_hash: hash_token(token), Participant.language: i18n.current_locale()}
        ).where(Participant.id == row.participant)
        participant = await Participant.objects().where(Participant.id == row.participant).first()
    if participant is None:
        raise refused
    return participant, token


async def invitation_statuses(event: Event, *, participant_id: int | None = None) -> list[InvitationStatus]:
    query = Participant.objects().where((Participant.event == event.id) & (Participant.role != Role.ORGANIZER))
    if participant_id is not None:
        query = query.where(Participant.id == participant_id)
    people = list(await query.order_by(Participant.id))
    rows = {
        r.participant: r
        for r in await Registrant.objects().where(Registrant.participant.is_in([p.id for p in people] or [0]))
    }
    out: list[InvitationStatus] = []
    for p in people:
        r = rows.get(p.id)
        out.append(
            InvitationStatus(
                participant_id=p.id,
                display_name=p.display_name,
                email=p.email,
                source=r.source if r else "joined",
                link_active=bool(r and r.code_hash),
                invited_at=_aware(r.invited_at) if r else None,
                redeemed_at=_aware(r.redeemed_at) if r else None,
                revoked_at=_aware(r.revoked_at) if r else None,
            )
        )
    return out


# -- export ---------------------------------------------------------------------------------------------------------

# The header names each tool maps on its own when a CSV is uploaded.
EXPORT_HEADERS: dict[str, tuple[str, str, str, str]] = {
    "mailchimp": ("Email Address", "First Name", "Last Name", "Tags"),
    "constant_contact": ("Email address", "First name", "Last name", "Tags"),
}


def _split(name: str) -> tuple[str, str]:
    first, _space, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


async def export_csv(event: Event, fmt: ExportFormat) -> tuple[bytes, int]:
    """Everyone with an email, as a CSV Mailchimp and Constant Contact import; the count of people left out."""
    people = await Participant.objects().where(Participant.event == event.id).order_by(Participant.id)
    registrants = {r.participant: r for r in await Registrant.objects().where(Registrant.event == event.id)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS[fmt])
    seen: set[str] = set()
    left_out = 0
    tag = _tag(event.slug)
    for p in people:
        email = (p.email or "").strip()
        if not email or email.lower() in seen:
            left_out += 1
            continue
        seen.add(email.lower())
        r = registrants.get(p.id)
        first, last = (r.first_name, r.last_name) if r and (r.first_name or r.last_name) else _split(p.display_name)
        tags = [tag, p.role]
        cells = [email, first, last, ",".join(tags)]
        writer.writerow([defuse_formula(cell) for cell in cells])
    return out.getvalue().encode("utf-8"), left_out


def _tag(slug: str) -> str:
    return f"unconf-{slug}"


def csv_filename(event: Event, fmt: str) -> str:
    return f"{event.slug}-participants-{fmt}.csv"


async def read_source(upload: bytes | None, url: str | None) -> bytes:
    """The CSV comes as an uploaded file or from a URL the server fetches (http/https only)."""
    if upload is not None and url:
        raise ValidationFailed(_("send either a file or a url, not both"), field="file")
    if upload is not None:
        return upload
    if url:
        return await fetch_csv(url, "url")
    raise ValidationFailed(_("send a CSV file (form field 'file') or a URL to fetch it from ('url')"), field="file")
