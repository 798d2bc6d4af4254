"""The one settings object, read from ``UNCONF_*`` environment variables."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec


class SettingsError(ValueError):
    """An ``UNCONF_*`` variable holds a value we cannot use."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = "sqlite:///unconf.sqlite"
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""
    redis_url: str = ""
    max_body_bytes: int = 1_048_576
    price_per_person_minute_cents: int = 1
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    mail_dry_run_dir: str = ""
    fetch_allow_private: bool = False
    rate_limit_scale: float = 1.0
    admin_token_sha256: str = ""
    """SHA-256 (hex) of the instance operator's token, ``UNCONF_ADMIN_TOKEN`` (or the deprecated
    ``UNCONF_OPERATOR_KEY``), or given as ``UNCONF_ADMIN_TOKEN_SHA256``. Only the digest is kept:
    empty means no operator API, page or metrics by token."""
    live_max_per_address: int = 2_000
    """Live sockets one address may hold open on one worker. Generous: a whole school or venue shares
    one address, and a full free-tier event (1,000 people) with a second tab each still fits."""
    live_max_per_person: int = 100
    """Live sockets one person's token may hold open on one worker: phones, laptops, tabs and a board
    on every room's screen, but not a flood from many addresses with one token."""
    # Addresses or networks of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto we believe.
    trusted_proxies: tuple[str, ...] = ()
    metrics_allow: tuple[str, ...] = ()
    """Addresses or networks that may read ``/metrics`` without the operator token (none by default)."""
    log_format: str = "text"
    """``text`` (readable lines, the default) or ``json`` (one JSON object per line)."""
    retention_outbox_days: int = 30
    """Delivered and cancelled outbox rows older than this are pruned."""
    retention_presence_days: int = 90
    """Room visits (presence and metering) of events whose day is this many days past are pruned, after
    their usage is final."""
    retention_closed_event_months: int = 0
    """Events closed (or whose last day passed) more than this many months ago are deleted with their
    data; 0 keeps them forever."""
    retention_interval_seconds: int = 3600
    """How often one worker runs the retention job."""
    digest_clock: datetime | None = None
    """``UNCONF_DIGEST_CLOCK``: a fixed "now" (ISO 8601, UTC) for members' digests and the newsletter's
    weeks, so tests can place every worker in the same period; unset in production (the real clock)."""
    digest_interval_seconds: int = 300
    """How often each worker looks for digests and newsletter issues due (the outbox keeps them to one)."""

    @property
    def public_url(self) -> str:
        """Links and QR codes point here; defaults to where we listen."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    @property
    def mail_enabled(self) -> bool:
        """Email goes out over SMTP or, in dry-run mode, into ``.eml`` files."""
        return bool(self.mail_dry_run_dir or self.smtp_host)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port_text = env.get("UNCONF_PORT", "8000")
        try:
            port = int(port_text)
        except ValueError as exc:
            raise SettingsError(f"UNCONF_PORT must be a number, got {port_text!r}") from exc
        if not 0 < port < 65536:
            raise SettingsError(f"UNCONF_PORT must be between 1 and 65535, got {port}")
        scale_text = env.get("UNCONF_RATE_LIMIT_SCALE", "1")
        try:
            scale = float(scale_text)
        except ValueError as exc:
            raise SettingsError(
                f"UNCONF_RATE_LIMIT_SCALE must be a number (0 turns limits off), got {scale_text!r}"
            ) from exc
        url = env.get("UNCONF_DATABASE_URL", "") or "sqlite:///unconf.sqlite"
        if not url.startswith(("sqlite:", "postgresql://", "postgres://")):
            raise SettingsError(f"UNCONF_DATABASE_URL must start with sqlite:/// or postgresql://, got {url!r}")
        smtp_port_text = env.get("UNCONF_SMTP_PORT", "") or "587"
        try:
            smtp_port = int(smtp_port_text)
        except ValueError as exc:
            raise SettingsError(f"UNCONF_SMTP_PORT must be a number, got {smtp_port_text!r}") from exc
        if not 0 < smtp_port < 65536:
            raise SettingsError(f"UNCONF_SMTP_PORT must be between 1 and 65535, got {smtp_port}")
        smtp_host = env.get("UNCONF_SMTP_HOST", "")
        smtp_from = env.get("UNCONF_SMTP_FROM", "")
        if smtp_host and "@" not in smtp_from:
            raise SettingsError("UNCONF_SMTP_FROM must be an email address when UNCONF_SMTP_HOST is set")
        price_text = env.get("UNCONF_PRICE_PER_PERSON_MINUTE_CENTS", "") or "1"
        try:
            price = int(price_text)
        except ValueError as exc:
            raise SettingsError(
                f"UNCONF_PRICE_PER_PERSON_MINUTE_CENTS must be a whole number of cents, got {price_text!r}"
            ) from exc
        if price < 0:
            raise SettingsError(f"UNCONF_PRICE_PER_PERSON_MINUTE_CENTS must not be negative, got {price}")
        admin_token_sha256 = _admin_token_digest(env)
        return cls(
            trusted_proxies=_networks(env.get("UNCONF_TRUSTED_PROXIES", "")),
            metrics_allow=_networks(env.get("UNCONF_METRICS_ALLOW", ""), "UNCONF_METRICS_ALLOW"),
            log_format=_choice(env, "UNCONF_LOG_FORMAT", ("text", "json")),
            retention_outbox_days=_positive(env, "UNCONF_RETENTION_OUTBOX_DAYS", 30),
            retention_presence_days=_positive(env, "UNCONF_RETENTION_PRESENCE_DAYS", 90),
            retention_closed_event_months=_whole(env, "UNCONF_RETENTION_CLOSED_EVENT_MONTHS", 0),
            retention_interval_seconds=_positive(env, "UNCONF_RETENTION_INTERVAL_SECONDS", 3600),
            digest_clock=_instant(env, "UNCONF_DIGEST_CLOCK"),
            digest_interval_seconds=_positive(env, "UNCONF_DIGEST_INTERVAL_SECONDS", 300),
            database_url=url,
            host=env.get("UNCONF_HOST", "127.0.0.1"),
            port=port,
            base_url=env.get("UNCONF_BASE_URL", ""),
            redis_url=env.get("UNCONF_REDIS_URL", ""),
            price_per_person_minute_cents=price,
            rate_limit_scale=scale,
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            smtp_user=env.get("UNCONF_SMTP_USER", ""),
            smtp_password=env.get("UNCONF_SMTP_PASSWORD", ""),
            smtp_from=smtp_from,
            smtp_starttls=_flag(env, "UNCONF_SMTP_STARTTLS", True),
            mail_dry_run_dir=env.get("UNCONF_MAIL_DRY_RUN_DIR", ""),
            fetch_allow_private=_flag(env, "UNCONF_FETCH_ALLOW_PRIVATE", False),
            admin_token_sha256=admin_token_sha256,
            live_max_per_address=_positive(env, "UNCONF_LIVE_MAX_PER_ADDRESS", 2_000),
            live_max_per_person=_positive(env, "UNCONF_LIVE_MAX_PER_PERSON", 100),
        )


def _admin_token_digest(env: Any) -> str:
    """The operator token's SHA-256 hex digest; the token itself is not kept in the settings."""
    digest = env.get("UNCONF_ADMIN_TOKEN_SHA256", "").strip().lower()
    if digest:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise SettingsError("UNCONF_ADMIN_TOKEN_SHA256 must be 64 hex digits (sha256sum of the token)")
        return str(digest)
    for name in ("UNCONF_ADMIN_TOKEN", "UNCONF_OPERATOR_KEY"):  # the second: the old name, still read
        token = env.get(name, "").strip()
        if token:
            if len(token) < 32:
                raise SettingsError(f"{name} must be at least 32 characters (or unset: no operator API)")
            return hashlib.sha256(token.encode()).hexdigest()
    return ""


def _positive(env: Any, name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {text!r}") from exc
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def _instant(env: Any, name: str) -> datetime | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SettingsError(f"{name} must be an ISO 8601 time such as 2026-12-07T08:00:00Z, got {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _choice(env: Any, name: str, choices: tuple[str, ...]) -> str:
    text = env.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {text!r}")
    return str(text)


def _whole(env: Any, name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {text!r}") from exc
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {value}")
    return value


def _networks(text: str, name: str = "UNCONF_TRUSTED_PROXIES") -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks (``10.0.0.5, 192.168.0.0/24``); none by default."""
    out: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise SettingsError(
                f"{name} must list IP addresses or networks such as 10.0.0.5 or 10.0.0.0/8, got {item!r}"
            ) from exc
        out.append(item)
    return tuple(out)


def _flag(env: Any, name: str, default: bool) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off``; anything else is a mistake worth stopping for."""
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {text!r}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
