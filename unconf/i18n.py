"""The one place that knows which language a message is shown in, and how dates and numbers read in it.

Strings people read are marked with :func:`gettext` / :func:`ngettext` in Python and ``{{ _("...") }}``
/ ``{% trans %}`` in templates. The language in force is a context variable set per request (or per
recipient, for mail and calendars) with :func:`use_locale`.

Which language a request gets (:class:`LanguageMiddleware`): the person's own choice (the switcher's
cookie), else the browser's ``Accept-Language``, else the event's default language (applied by the
event's dependency, :func:`apply_event_default`, once the event is known), else English. The board
and printed material use the event's language whatever the viewer chose (:func:`use_locale`).

Catalogues are gettext files under ``unconf/locale/<lang>/LC_MESSAGES/unconf.po`` (the sources, in
the repository) and ``unconf.mo`` (compiled at install, ``make install``). When a ``.mo`` is missing or
older than its ``.po`` the source is compiled in memory, so a fresh checkout never shows stale text; a
language without a catalogue falls back to the source text.

Dates, times, numbers and lists go through Babel's locale data (``format_time`` etc. here), always in
the time zone the caller gives (the event's).
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from babel.core import negotiate_locale

DOMAIN = "unconf"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en"

LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "pt_BR": "Português (Brasil)",
    "ar": "العربية",
}
"""The languages unconf ships, each named in itself (how the switcher lists them)."""

RIGHT_TO_LEFT = frozenset({"ar"})

LANGUAGE_COOKIE = "unconf_lang"
"""The switcher's choice, remembered for a year on this browser."""


@dataclass
class _Choice:
    """The language of one request. Mutable on purpose: the event's dependency may fill in the event's
    default after the middleware ran, and Litestar may resolve dependencies in copied contexts."""

    locale: str
    chosen: bool
    """The person asked for it (switcher or Accept-Language): an event's default does not override it."""


_current: ContextVar[_Choice | None] = ContextVar("unconf_locale", default=None)


def supported(language: str | None) -> str | None:
    """``language`` as one of :data:`LANGUAGES` (``pt-br`` → ``pt_BR``, ``es-MX`` → ``es``), or None."""
    if not language:
        return None
    wanted = language.strip().replace("-", "_")
    by_lower = {code.lower(): code for code in LANGUAGES}
    if wanted.lower() in by_lower:
        return by_lower[wanted.lower()]
    base = wanted.split("_", 1)[0].lower()
    if base == "pt":
        return "pt_BR"
    return by_lower.get(base)


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages for an ``Accept-Language`` header, by its q-values (None: none fits)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece or len(ranked) > 30:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0 and tag.strip() != "*":
            ranked.append((-quality, position, tag.strip()))
    preferred = [tag.replace("-", "_") for _, _, tag in sorted(ranked)]
    match = negotiate_locale(preferred, list(LANGUAGES), sep="_")
    if match is not None:
        return supported(match)
    for tag in preferred:  # a regional variant we do not list (es_MX, pt_PT): its language
        found = supported(tag)
        if found is not None:
            return found
    return None


def negotiate(cookie: str | None, accept_language: str | None) -> _Choice:
    """The person's language for a request, before any event is known."""
    chosen = supported(cookie) or from_accept_language(accept_language)
    return _Choice(locale=chosen or DEFAULT_LOCALE, chosen=chosen is not None)


def apply_event_default(language: str | None) -> None:
    """Show this request in the event's language unless the person chose one."""
    choice = _current.get()
    default = supported(language)
    if choice is not None and not choice.chosen and default is not None:
        choice.locale = default


def show_in(language: str | None) -> None:
    """Show the rest of this request in ``language`` whatever the viewer chose (the board, printed material)."""
    choice = _current.get()
    locale = supported(language) or DEFAULT_LOCALE
    if choice is None:
        _current.set(_Choice(locale=locale, chosen=True))
    else:
        choice.locale, choice.chosen = locale, True


def current_locale() -> str:
    choice = _current.get()
    return choice.locale if choice is not None else DEFAULT_LOCALE


def text_direction(locale: str | None = None) -> str:
    """``rtl`` or ``ltr``, for the page's ``dir`` attribute."""
    return "rtl" if (locale or current_locale()) in RIGHT_TO_LEFT else "ltr"


def html_lang(locale: str | None = None) -> str:
    """The BCP 47 tag for ``lang`` attributes (``pt_BR`` → ``pt-BR``)."""
    return (locale or current_locale()).replace("_", "-")


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Show everything inside the block in ``locale`` (the default when ``None`` or unsupported)."""
    token = _current.set(_Choice(locale=supported(locale) or DEFAULT_LOCALE, chosen=True))
    try:
        yield current_locale()
    finally:
        _current.reset(token)


class LanguageMiddleware:
    """Sets the request's language from the switcher's cookie or ``Accept-Language`` (pure ASGI)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie: str | None = None
        accept: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"accept-language":
                accept = value.decode("latin-1")
            elif name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _, val = part.strip().partition("=")
                    if key == LANGUAGE_COOKIE:
                        cookie = val
        token = _current.set(negotiate(cookie, accept))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


# --- catalogues ---------------------------------------------------------------------------------------


def catalogue_path(locale: str, suffix: str = ".po") -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue for ``locale`` (``pt_BR``, ``ar``...), or the source text when none exists."""
    source, compiled = catalogue_path(locale), catalogue_path(locale, ".mo")
    if compiled.exists() and (not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime):
        with compiled.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if source.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with source.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return _gettext.GNUTranslations(buffer)
    return _gettext.NullTranslations()


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current_locale()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).npgettext(context, singular, plural, n)


_ = gettext


def gettext_noop(message: str) -> str:
    """Marks ``message`` for extraction where it is translated later (at display time)."""
    return message


# --- dates, numbers and lists, by Babel's locale data -------------------------------------------------


@cache
def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def _local(value: datetime, tz: tzinfo | None) -> datetime:
    return value.astimezone(tz) if tz is not None and value.tzinfo is not None else value


def format_time(value: datetime | None, tz: tzinfo | None = None) -> str:
    """A clock time as the locale writes it (``9:15``, ``9:15 AM``), in ``tz``."""
    if value is None:
        return ""
    return babel_dates.format_time(_local(value, tz), format="short", locale=babel_locale(current_locale()))


def format_date(value: date | datetime | None, tz: tzinfo | None = None, *, form: str = "long") -> str:
    """A date as the locale writes it: ``form`` is ``full`` (with the weekday), ``long``, ``medium`` or ``short``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, tz)
    return babel_dates.format_date(value, format=form, locale=babel_locale(current_locale()))


def format_day_time(value: datetime | None, tz: tzinfo | None = None) -> str:
    """Weekday, day and month with the time ("sábado, 14 de marzo, 9:15"), in ``tz``."""
    if value is None:
        return ""
    local = _local(value, tz)
    locale = babel_locale(current_locale())
    return f"{babel_dates.format_date(local, _weekday_day_month(locale), locale=locale)}, {format_time(local)}"


@cache
def _weekday_day_month(locale: Locale) -> str:
    """The locale's pattern for weekday, day and month without the year, with the weekday in full.

    CLDR has the pattern only with a short weekday (skeleton ``MMMMEd``) and Babel does not widen
    fields, so the weekday field is widened here ("sáb" → "sábado").
    """
    skeleton = babel_dates.match_skeleton("MMMMEd", locale.datetime_skeletons) or "MMMMEd"
    pattern = str(locale.datetime_skeletons.get(skeleton, "EEEE, MMMM d"))
    return re.sub(r"(?<![A-Za-z])(E{1,3}|c{1,3})(?![A-Za-z])", "EEEE", pattern)


def format_short_stamp(value: datetime | None, tz: tzinfo | None = None) -> str:
    """Day, short month and time ("14 Mar 09:15"), for lists of messages."""
    if value is None:
        return ""
    local = _local(value, tz)
    locale = babel_locale(current_locale())
    day = babel_dates.format_skeleton("MMMd", local, locale=locale)
    return f"{day} {babel_dates.format_time(local, format='short', locale=locale)}"


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=babel_locale(current_locale()))


def format_percent(percent: float) -> str:
    """``12.3`` → "12.3%", "12,3 %"...: one decimal, in the locale's own percent pattern."""
    locale = babel_locale(current_locale())
    pattern = locale.percent_formats[None].pattern.replace("0", "0.0", 1)
    return babel_numbers.format_percent(percent / 100, format=pattern, locale=locale)


def format_list(items: Sequence[str], style: Literal["standard", "or"] = "standard") -> str:
    """``["a", "b", "c"]`` → "a, b and c" in the locale's words."""
    return babel_lists.format_list(list(items), style=style, locale=babel_locale(current_locale()))
