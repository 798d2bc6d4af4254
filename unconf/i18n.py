"""The one place that knows which language a message is shown in.

Strings people read are marked with :func:`gettext` / :func:`ngettext` in Python and ``{{ _("...") }}``
/ ``{% trans %}`` in templates; the language in force is a context variable set per request (or per
recipient, for mail and calendars) with :func:`use_locale`. Catalogues are gettext ``.mo`` files under
``locale/<lang>/LC_MESSAGES/unconf.mo``; a language without one falls back to the source text, so
nothing breaks while a translation is missing.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "unconf"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LOCALE = "en"

_current: ContextVar[str] = ContextVar("unconf_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalogue for ``locale`` (``pt_BR``, ``ar``...), or the source text when none exists."""
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[locale], fallback=True)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Show everything inside the block in ``locale`` (the default when ``None``)."""
    token = _current.set(locale or DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).npgettext(context, singular, plural, n)


_ = gettext
