"""Topics that carry over: when an event closes, what did not make its agenda is offered to the next.

A proposal left off the published agenda (``unscheduled``), or one whose room could not hold everyone
who wanted it (``crowded``), becomes a ``CarryOffer`` with how many people wanted it. Its proposer
answers on their phone; a yes puts it into the series' next event (once that event exists), where it
shows "N people wanted this last time" and, when the organizers choose so, counts in the agenda build.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import cast

from agenda import services as agenda_services
from community import services as community_services
from community.tables import Community
from events.tables import Event, Participant
from notify.mail import event_info
from notify.messages import topic_offer
from notify.outbox import MAX_ATTEMPTS
from notify.tables import Outbox
from rhythm.schemas import CarryAnswerValue, CarryOfferOut, CarryReason
from rhythm.tables import CarryOffer, CommunityRhythm
from sessions import services as session_services
from sessions.schemas import ProposalCreate
from sessions.tables import Proposal, ProposalFacilitator
from unconf import live
from unconf.auth import Role
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, NotFound, ValidationFailed
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.validation import utcnow

OPEN_PHASES = ("draft", "proposals", "voting", "scheduled", "running")


async def on_phase_changed(message: live.LiveMessage) -> None:
    """An event moved to ``closed``: offer what did not make its agenda to the next one (wired in ``wire()``)."""
    if not isinstance(message, live.PhaseChanged) or message.data.phase != "closed":
        return
    event = await Event.objects().where(Event.slug == message.event).first()
    if event is not None:
        await offer_topics(event)


async def next_in_series(community: Community, event: Event) -> Event | None:
    """The community's first event after this one that is still open (the one topics carry into)."""
    later = [
        e
        for e in await community_services.community_events(community.id)
        if e.id != event.id and e.start_date > event.start_date and e.phase in OPEN_PHASES
    ]
    return min(later, key=lambda e: (e.start_date, e.id), default=None)


async def offer_topics(event: Event) -> int:
    """Make the offers of a closed event (once per proposal: closing again adds only new ones)."""
    community = await community_services.community_of_event(event.id)
    if community is None:
        return 0
    proposals = session_services.live_only(await session_services.list_proposals(event, include_inactive=False))
    published = await agenda_services.read_published(event)
    placed: dict[int, int] = {}
    if published is not None:
        capacity = {r.id: r.capacity for r in published.rooms}
        placed = {s.proposal_id: capacity.get(s.room_id, 0) for s in published.sessions}
    rows = {
        r["id"]: r["created_by"]
        for r in await Proposal.select(Proposal.id, Proposal.created_by).where(Proposal.event == event.id)
    }
    first_facilitator: dict[int, int] = {}
    for f in await ProposalFacilitator.select(ProposalFacilitator.proposal, ProposalFacilitator.participant).where(
        ProposalFacilitator.proposal.event == event.id
    ):
        first_facilitator.setdefault(f["proposal"], f["participant"])
    offered = {
        r["proposal"] for r in await CarryOffer.select(CarryOffer.proposal).where(CarryOffer.from_event == event.id)
    }
    target = await next_in_series(community, event)
    made: list[CarryOffer] = []
    for p in proposals:
        reason: CarryReason | None = None
        if p.id not in placed:
            reason = "unscheduled"
        elif p.voters > placed[p.id]:
            reason = "crowded"
        if reason is None or p.id in offered:
            continue
        made.append(
            CarryOffer(
                from_event=event.id,
                proposal=p.id,
                proposer=rows.get(p.id) or first_facilitator.get(p.id),
                reason=reason,
                interest=p.voters,
                answer="pending",
                to_event=target.id if target else None,
                created_at=utcnow(),
            )
        )
    if made:
        await CarryOffer.insert(*made)
        await _ask_by_email(event, [offer.proposal for offer in made])
    return len(made)


CARRY_EMAIL = "carry.offer"
"""The mail that asks a proposer whether to bring their topic again (built by ``build_carry_email``)."""


async def _ask_by_email(event: Event, proposal_ids: list[int]) -> None:
    """Ask each proposer with an email address by mail too: many have left the building when an event closes."""
    if not get_settings().mail_enabled or not proposal_ids:
        return
    offers = await CarryOffer.objects().where(
        (CarryOffer.from_event == event.id) & CarryOffer.proposal.is_in(proposal_ids)
    )
    proposers = {o.proposer for o in offers if o.proposer is not None}
    people = {p.id: p for p in await Participant.objects().where(Participant.id.is_in(list(proposers) or [0]))}
    now = utcnow()
    rows = []
    for offer in offers:
        person = people.get(offer.proposer) if offer.proposer is not None else None
        address = (person.email or "").strip() if person is not None else ""
        if person is None or not address:
            continue
        rows.append(
            Outbox(
                event=event.id,
                channel="email",
                kind=CARRY_EMAIL,
                participant=person.id,
                recipient=address,
                subject=f"Bring your topic again? ({event.title})"[:300],
                payload=json.dumps({"offer": offer.id}),
                max_attempts=MAX_ATTEMPTS,
                next_attempt_at=now,
                dedupe_key=f"carry:{offer.id}",
                created_at=now,
            )
        )
    if rows:
        await Outbox.insert(*rows)


async def build_carry_email(row: Outbox) -> EmailMessage | None:
    """Built when it is sent: None (cancelled) once the proposer answered on their phone or the offer is gone."""
    payload = json.loads(row.payload or "{}")
    offer = await CarryOffer.objects().where(CarryOffer.id == int(payload.get("offer") or 0)).first()
    if offer is None or offer.answer != "pending" or offer.proposer is None:
        return None
    person = await Participant.objects().where(Participant.id == offer.proposer).first()
    event = await Event.objects().where(Event.id == offer.from_event).first()
    proposal = await Proposal.objects().where(Proposal.id == offer.proposal).first()
    if person is None or event is None or proposal is None or not (person.email or "").strip():
        return None
    following = await Event.objects().where(Event.id == offer.to_event).first() if offer.to_event else None
    info = event_info(event)
    return topic_offer(
        get_settings().smtp_from or "unconf@localhost",
        info,
        person.display_name,
        (person.email or "").strip(),
        proposal.title,
        offer.interest,
        following.title if following is not None else None,
        info.url("/carry"),
    )


def _offer_out(offer: CarryOffer, title: str, from_slug: str, to_slug: str | None) -> CarryOfferOut:
    return CarryOfferOut(
        id=offer.id,
        title=title,
        from_event=from_slug,
        reason=cast(CarryReason, offer.reason),
        interest=offer.interest,
        answer=cast(CarryAnswerValue, offer.answer),
        to_event=to_slug,
        carried_proposal=offer.carried,
    )


async def _describe(offers: list[CarryOffer]) -> list[CarryOfferOut]:
    proposal_ids = [o.proposal for o in offers]
    event_ids = {o.from_event for o in offers} | {o.to_event for o in offers if o.to_event is not None}
    titles = (
        {
            r["id"]: r["title"]
            for r in await Proposal.select(Proposal.id, Proposal.title).where(Proposal.id.is_in(proposal_ids))
        }
        if proposal_ids
        else {}
    )
    slugs = (
        {r["id"]: r["slug"] for r in await Event.select(Event.id, Event.slug).where(Event.id.is_in(list(event_ids)))}
        if event_ids
        else {}
    )
    return [
        _offer_out(
            o, titles.get(o.proposal, ""), slugs.get(o.from_event, ""), slugs.get(o.to_event) if o.to_event else None
        )
        for o in offers
    ]


async def my_offers(event: Event, who: Participant) -> list[CarryOfferOut]:
    """The topics this person proposed at this event that are offered to the next one."""
    offers = list(
        await CarryOffer.objects()
        .where((CarryOffer.from_event == event.id) & (CarryOffer.proposer == who.id))
        .order_by(CarryOffer.id)
    )
    return await _describe(offers)


async def event_offers(event: Event) -> list[CarryOfferOut]:
    """Every offer of this event (for its organizers)."""
    return await _describe(
        list(await CarryOffer.objects().where(CarryOffer.from_event == event.id).order_by(CarryOffer.id))
    )


async def answer_offer(event: Event, who: Participant, offer_id: int, answer: str) -> CarryOfferOut:
    """The proposer's yes or no. A yes carries the topic into the next event at once, if it exists."""
    if answer not in ("yes", "no"):
        raise ValidationFailed(_("answer 'yes' or 'no'"), field="answer")
    offer = (
        await CarryOffer.objects()
        .where((CarryOffer.id == offer_id) & (CarryOffer.from_event == event.id) & (CarryOffer.proposer == who.id))
        .first()
    )
    if offer is None:
        raise NotFound(
            _("no topic {offer_id} of yours is offered to the next event").format(offer_id=offer_id), field="offer_id"
        )
    if offer.carried is not None and answer == "no":
        raise Conflict(_("this topic is in the next event already; withdraw it there"), field="answer", code="carried")
    async with write_transaction():
        await lock_row(CarryOffer, offer.id)
        await CarryOffer.update({CarryOffer.answer: answer, CarryOffer.answered_at: utcnow()}).where(
            CarryOffer.id == offer.id
        )
    offer.answer = answer
    if answer == "yes" and offer.carried is None and offer.to_event is not None:
        await _carry(offer)
    fresh = await CarryOffer.objects().where(CarryOffer.id == offer.id).first()
    return (await _describe([fresh if fresh is not None else offer]))[0]


async def _carry(offer: CarryOffer) -> None:
    """Put the topic into the next event as a proposal added by its organizer. The proposer, if they are
    in that event already (a member), is asked to facilitate it; otherwise the organizer holds it for them."""
    target = await Event.objects().where(Event.id == offer.to_event).first()
    source = await Proposal.objects().where(Proposal.id == offer.proposal).first()
    if target is None or source is None or target.phase not in OPEN_PHASES:
        return
    organizer = (
        await Participant.objects()
        .where((Participant.event == target.id) & (Participant.role == Role.ORGANIZER))
        .order_by(Participant.id)
        .first()
    )
    if organizer is None:
        return
    facilitators: list[int] = []
    if offer.proposer is not None:
        member = await community_services.member_of_participant(offer.proposer)
        if member is not None:
            mine = set(await community_services.member_participants(member.id))
            facilitators = [
                r["id"]
                for r in await Participant.select(Participant.id).where(
                    (Participant.event == target.id) & Participant.id.is_in(list(mine or {0}))
                )
            ][:1]
    async with write_transaction():
        await lock_row(CarryOffer, offer.id)
        claimed = await CarryOffer.select(CarryOffer.carried).where(CarryOffer.id == offer.id).first()
        if claimed is None or claimed["carried"] is not None:
            return
        # Claimed first (a placeholder), so two answers at once make one proposal.
        await CarryOffer.update({CarryOffer.carried: offer.proposal}).where(CarryOffer.id == offer.id)
    try:
        made = await session_services.create_proposal(
            target,
            organizer,
            ProposalCreate(
                title=source.title,
                description=source.description,
                tags=list(source.tags),
                needs=list(source.needs),
                facilitator_ids=facilitators or [organizer.id],
                learning=bool(source.learning),
            ),
        )
    except BaseException:
        await CarryOffer.update({CarryOffer.carried: None}).where(CarryOffer.id == offer.id)
        raise
    await CarryOffer.update({CarryOffer.carried: made.id}).where(CarryOffer.id == offer.id)


async def attach_offers(community: Community, event: Event) -> int:
    """A new event of the series takes the offers still waiting for one; those answered yes are carried now."""
    events = [
        e.id
        for e in await community_services.community_events(community.id)
        if e.id != event.id and e.start_date < event.start_date
    ]
    if not events:
        return 0
    waiting = list(
        await CarryOffer.objects().where(
            CarryOffer.from_event.is_in(events) & CarryOffer.to_event.is_null() & (CarryOffer.answer != "no")
        )
    )
    if not waiting:
        return 0
    await CarryOffer.update({CarryOffer.to_event: event.id}).where(CarryOffer.id.is_in([o.id for o in waiting]))
    for offer in waiting:
        offer.to_event = event.id
        if offer.answer == "yes" and offer.carried is None:
            await _carry(offer)
    return len(waiting)


async def carried_counts(event_id: int) -> dict[int, int]:
    """Proposal id → how many people wanted it last time, for the topics carried into this event."""
    rows = await CarryOffer.select(CarryOffer.carried, CarryOffer.interest).where(
        (CarryOffer.to_event == event_id) & CarryOffer.carried.is_not_null()
    )
    return {r["carried"]: r["interest"] for r in rows if r["interest"] > 0}


async def carried_interest(event_id: int) -> dict[int, int]:
    """Agenda's ``CARRIED_INTEREST``: the carried counts, when the community's organizers let them count."""
    community = await community_services.community_of_event(event_id)
    if community is None:
        return {}
    counts = (
        await CommunityRhythm.select(CommunityRhythm.count_carried)
        .where(CommunityRhythm.community == community.id)
        .first()
    )
    if counts is None or not counts["count_carried"]:
        return {}
    return await carried_counts(event_id)
