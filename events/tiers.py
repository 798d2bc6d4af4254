"""Tiers as data: what each tier includes and how much of it. Every limit check reads this table.

Adding a tier or changing a limit is an edit here, not an ``if`` somewhere else.
"""

from __future__ import annotations

import msgspec
from piccolo.table import Table

from events.tables import Event, Participant
from unconf.database import lock_row
from unconf.errors import LimitExceeded, PaymentRequired
from unconf.i18n import format_list, gettext_noop, ngettext
from unconf.i18n import gettext as _


class TierSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    max_participants: int
    max_rooms: int
    video_providers: tuple[str, ...]
    branding: bool
    usage_reports: bool
    metered: bool
    """Whether video person-minutes are priced (``UNCONF_PRICE_PER_PERSON_MINUTE_CENTS``)."""


FREE = TierSpec(
    name="free",
    label=gettext_noop("Free Edcamp"),
    max_participants=1_000,
    max_rooms=40,
    video_providers=("jitsi", "static"),
    branding=False,
    usage_reports=False,
    metered=False,
)

PAID = TierSpec(
    name="paid",
    label=gettext_noop("Paid"),
    max_participants=10_000,
    max_rooms=400,
    video_providers=("jitsi", "static", "bbb", "whereby"),
    branding=True,
    usage_reports=True,
    metered=True,
)

TIERS: dict[str, TierSpec] = {t.name: t for t in (FREE, PAID)}
# The counted limits the instance operator may set per event (columns of the same name on Event).
LIMIT_NAMES = ("max_participants", "max_rooms")


def tier_of(event: Event) -> TierSpec:
    """The event's tier with the operator's own limits for this event, if any, in place of the tier's.

    An unknown tier name (an old row, a typo in an import) gets the free tier's limits, never more.
    """
    spec = TIERS.get(event.tier, FREE)
    overrides = {
        name: value
        for name in LIMIT_NAMES
        if isinstance(value := getattr(event, name, None), int) and not isinstance(value, bool)
    }
    return msgspec.structs.replace(spec, **overrides) if overrides else spec


def _cheapest_with(predicate_name: str) -> str:
    for spec in TIERS.values():
        if getattr(spec, predicate_name):
            return spec.name
    return "paid"


def check_count(event: Event, limit_name: str, current: int, adding: int = 1) -> None:
    """Refuse (403, the limit named) when ``current + adding`` would pass the tier's limit."""
    check_count_for(tier_of(event), limit_name, current, adding)


def check_count_for(tier: TierSpec, limit_name: str, current: int, adding: int = 1) -> None:
    limit = int(getattr(tier, limit_name))
    if current + adding > limit:
        if limit_name == "max_participants":
            detail = ngettext(
                "the {tier} tier allows at most {limit} participant per event (limit {limit_name}); "
                "this event has {current}",
                "the {tier} tier allows at most {limit} participants per event (limit {limit_name}); "
                "this event has {current}",
                limit,
            )
        elif limit_name == "max_rooms":
            detail = ngettext(
                "the {tier} tier allows at most {limit} room per event (limit {limit_name}); this event has {current}",
                "the {tier} tier allows at most {limit} rooms per event (limit {limit_name}); this event has {current}",
                limit,
            )
        else:
            detail = _(
                "the {tier} tier allows at most {limit} {noun} per event (limit {limit_name}); this event has {current}"
            )
        raise LimitExceeded(
            detail.format(
                tier=_(tier.label),
                limit=limit,
                noun=limit_name.removeprefix("max_"),
                limit_name=limit_name,
                current=current,
            ),
            field=limit_name,
            code="limit_exceeded",
        )


async def check_row_limit(event: Event, limit_name: str, table: type[Table], adding: int = 1) -> None:
    """Call before adding rows of ``table`` (people, rooms) to the event, inside the transaction that adds them.

    On PostgreSQL the event's row is locked so two requests cannot both take the last place.
    """
    await lock_row(Event, event.id)
    current = await table.count().where(table._meta.get_column_by_name("event") == event.id)
    check_count(event, limit_name, current, adding)


async def check_participant_limit(event: Event, adding: int = 1) -> None:
    await check_row_limit(event, "max_participants", Participant, adding)


def check_provider(event: Event, provider: str, field: str = "provider") -> None:
    """A provider outside the event's tier is a 402: the paid tier includes it."""
    tier = tier_of(event)
    if provider not in tier.video_providers:
        with_it = [t.name for t in TIERS.values() if provider in t.video_providers]
        raise PaymentRequired(
            _(
                "the video provider {provider!r} is not in the {tier} tier "
                "(included: {included}); it comes with the {tiers} tier"
            ).format(
                provider=provider,
                tier=_(tier.label),
                included=", ".join(tier.video_providers),
                tiers=format_list(with_it, style="or") if with_it else "paid",
            ),
            field=field,
        )


def check_feature(event: Event, feature: str) -> None:
    """A yes/no feature of the tier (``usage_reports``, ``branding``); 402 when the tier lacks it."""
    tier = tier_of(event)
    if not getattr(tier, feature):
        raise PaymentRequired(
            _("the feature {feature!r} is not in the {tier} tier; it comes with the {tiers} tier").format(
                feature=feature, tier=_(tier.label), tiers=_cheapest_with(feature)
            ),
            field=feature,
        )


def tiers_out() -> list[TierSpec]:
    return list(TIERS.values())
