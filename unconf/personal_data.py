"""Everything unconf holds about one person, from every domain: to download it, and to erase it.

The core knows no domain; each domain registers what it holds (``register``, called in
``unconf.app.wire``): a contributor that returns a JSON-able dict for the download, and an eraser
that removes or anonymises it. Erasure runs every eraser in one transaction, highest layer first
(registered last), so nothing is half erased. Votes stay as anonymous tallies: the domain that owns
a shared result keeps the count and drops the person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from unconf.database import write_transaction


@dataclass(frozen=True)
class Person:
    """One person as unconf knows them: their participant rows (one per event) and memberships."""

    participant_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = field(default=())


Contributor = Callable[[Person], Awaitable[dict[str, Any]]]
Eraser = Callable[[Person], Awaitable[None]]
AfterErasure = Callable[[Person], Awaitable[None]]


@dataclass(frozen=True)
class Domain:
    name: str
    contribute: Contributor
    erase: Eraser
    after_erasure: AfterErasure | None = None


_DOMAINS: dict[str, Domain] = {}


def register(name: str, contribute: Contributor, erase: Eraser, after_erasure: AfterErasure | None = None) -> None:
    """Add (or replace: ``wire`` is idempotent) what one domain holds about people.

    ``after_erasure`` runs once the erasure is committed: what must not happen before it, such as
    dropping cached tokens (dropped earlier, a request could cache the old token again).
    """
    _DOMAINS[name] = Domain(name, contribute, erase, after_erasure)


def registered() -> list[str]:
    return list(_DOMAINS)


async def collect(person: Person) -> dict[str, Any]:
    """Every domain's part, keyed by domain name, in registration order."""
    return {name: await domain.contribute(person) for name, domain in _DOMAINS.items()}


async def erase(person: Person) -> None:
    """Every domain's eraser, highest layer first, in one transaction: all erased or nothing."""
    async with write_transaction():
        for domain in reversed(list(_DOMAINS.values())):
            await domain.erase(person)
    for domain in _DOMAINS.values():
        if domain.after_erasure is not None:
            await domain.after_erasure(person)
