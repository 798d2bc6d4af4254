"""The one interface every video provider implements, and the registry that names them.

A provider turns "this session in this room" into a meeting (once, at publish time) and a
meeting plus a person into a URL (at every join). Adding Zoom or Google Meet is one module
with a subclass decorated by ``@register``.
"""

from __future__ import annotations

import ipaddress
import secrets
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlparse

import httpx
import msgspec

from unconf.errors import ValidationFailed, describe
from unconf.http import AddressNotAllowed, client, guard_url
from unconf.i18n import gettext as _


class ProviderError(Exception):
    """The provider could not be reached or refused us; the agenda stays published without that link."""


class MeetingSpec(msgspec.Struct, kw_only=True):
    """What a provider may know about the meeting it creates (nothing secret)."""

    event_slug: str
    event_title: str
    key: str
    title: str
    room_id: int | None = None
    room_name: str = ""
    room_link: str = ""
    ends_at: datetime | None = None


class Meeting(msgspec.Struct, kw_only=True):
    """What we store: ``url``, ``host_url`` and ``data`` never leave the server except through a join redirect."""

    meeting_id: str
    url: str
    host_url: str = ""
    data: dict[str, str] = msgspec.field(default_factory=dict)


class Joiner(msgspec.Struct, kw_only=True):
    participant_id: int | None
    display_name: str
    moderator: bool


class Embed(msgspec.Struct, kw_only=True):
    """How a page shows a meeting inside itself (Jitsi's IFrame API). Providers without one open in a new tab.

    ``script_url`` is the provider's own ``external_api.js`` on the event's video server, loaded only
    when someone joins such a table; ``jwt`` is the person's own token when the server wants one.
    """

    kind: str
    domain: str
    script_url: str
    room: str
    jwt: str = ""
    display_name: str = ""


class NoSecrets(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class VideoProvider(ABC):
    """Subclass, set ``name``/``Config``/``Secrets``, implement ``create_meeting`` and ``join_url``."""

    name: ClassVar[str]
    label: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct]] = NoSecrets
    notes: ClassVar[tuple[str, ...]] = ()
    """Marked with ``gettext_noop`` where written; shown translated (``rooms.links``)."""
    """Plain-language hints shown to organizers when they pick this provider."""
    per_room: ClassVar[bool] = False
    """True when the link follows the room, not the session (static links): recomputed on every publish."""
    calls: ClassVar[tuple[str, ...]] = ()
    """The ``Config`` fields holding URLs the server itself calls: checked against private addresses on save."""

    def __init__(self, config: Any, secrets_: Any) -> None:
        self.config = config
        self.secrets = secrets_

    @classmethod
    def parse(cls, config: dict[str, Any], secrets_: dict[str, Any]) -> VideoProvider:
        """Validate stored or submitted settings; a bad field is a 400 naming ``config.<field>``."""
        parsed_config = _convert(cls.Config, config, "config")
        parsed_secrets = _convert(cls.Secrets, secrets_, "secrets")
        provider = cls(parsed_config, parsed_secrets)
        provider.check()
        return provider

    def check(self) -> None:  # noqa: B027  (optional hook)
        """Cross-field checks beyond the Structs' types; raise ValidationFailed."""

    async def check_calls(self) -> None:
        """Refuse (400 naming ``config.<field>``) URLs we would call that point into our own network."""
        for name in self.calls:
            await guard_url(getattr(self.config, name), f"config.{name}", unresolved_ok=True)

    @abstractmethod
    async def create_meeting(self, spec: MeetingSpec) -> Meeting: ...

    @abstractmethod
    def join_url(self, meeting: Meeting, who: Joiner) -> str: ...

    embeddable: ClassVar[bool] = False
    """True when pages can show the meeting inside themselves (``embed``); otherwise it opens in a new tab."""

    def embed(self, meeting: Meeting, who: Joiner) -> Embed | None:
        """What a page needs to show this meeting in place; None: it cannot be embedded."""
        return None

    def embed_origin(self) -> str | None:
        """The origin a page embedding this provider must allow (script and frame); None: not embeddable."""
        return None

    async def before_join(self, meeting: Meeting, spec: MeetingSpec) -> None:  # noqa: B027  (optional hook)
        """Make sure the meeting is still there (BigBlueButton forgets idle ones)."""


REGISTRY: dict[str, type[VideoProvider]] = {}


def register(cls: type[VideoProvider]) -> type[VideoProvider]:
    REGISTRY[cls.name] = cls
    return cls


def get_provider(name: str, config: dict[str, Any], secrets_: dict[str, Any]) -> VideoProvider:
    cls = REGISTRY.get(name)
    if cls is None:
        raise ValidationFailed(
            _("unknown video provider {name!r}; known: {known}").format(name=name, known=", ".join(sorted(REGISTRY))),
            field="provider",
        )
    return cls.parse(config, secrets_)


def _convert(kind: type[msgspec.Struct], value: dict[str, Any], prefix: str) -> Any:
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = prefix
        if "$." in message:
            field = prefix + "." + message.split("$.", 1)[1].split("`", 1)[0].split("[", 1)[0]
        elif "unknown field" in message or "missing required field" in message:
            field = prefix + "." + message.split("`", 2)[1]
        raise ValidationFailed(
            _("{prefix}: {problem}").format(prefix=prefix, problem=describe(message)), field=field
        ) from exc


def unguessable(nbytes: int = 20) -> str:
    """A lowercase room name part of ``8 * nbytes`` random bits (160 by default, at least 128)."""
    return secrets.token_hex(max(16, nbytes))


def check_url(value: str, field: str) -> str:
    """https, or http only to this machine (a test or a provider beside us); no credentials in it."""
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise ValidationFailed(_("{field} must be an http(s) URL").format(field=field), field=field)
    if parsed.username or parsed.password:
        raise ValidationFailed(_("{field} must not carry a user name or password").format(field=field), field=field)
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        raise ValidationFailed(_("{field} must use https").format(field=field), field=field)
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


PROVIDER_TIMEOUT = 10.0


def http_client() -> httpx.AsyncClient:
    """Provider calls go through the one guarded client (``unconf.http``): private addresses refused at connect."""
    return client(PROVIDER_TIMEOUT)


async def guard_call(url: str, field: str, label: str) -> None:
    """Check a provider URL again right before calling it; refused means no request is made."""
    try:
        await guard_url(url, field, unresolved_ok=True)
    except ValidationFailed as exc:
        raise ProviderError(f"{label}: {exc.detail}") from exc


def unreachable(label: str, exc: Exception) -> ProviderError:
    if isinstance(exc, AddressNotAllowed):
        return ProviderError(
            _("{provider} is not reachable: its address is private, loopback or reserved").format(provider=label)
        )
    return ProviderError(_("{provider} is not reachable ({error})").format(provider=label, error=type(exc).__name__))
