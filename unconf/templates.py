"""The one Jinja2 set-up for every HTML page, printable and invitation, whichever package renders it.

Autoescaping is always on: titles, names and notes come from people. Every template may mark
text for translation (``{{ _("...") }}``, ``{% trans %}``); see unconf/i18n.py. Each package keeps its
templates in its own ``templates/`` directory and gets one shared environment for it here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from unconf import i18n
from unconf.validation import check_timezone, in_timezone


@cache
def template_environment(directory: Path, *, trim_blocks: bool = False) -> Environment:
    """The environment for one package's templates; the same object on every call, so Litestar's
    template engine and direct renders share it.

    ``trim_blocks`` drops the newline after a block tag and the indentation before it, for
    templates written as indented code (the printables); pages keep their whitespace as written.
    """
    environment = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True, default=True),
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # ``_``, ``gettext`` and ``ngettext`` (and ``{% trans %}``) follow the language in force for the
    # render (unconf.i18n.use_locale); new-style, so ``_("%(n)s left", n=3)`` formats and escapes.
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    # The page's language and direction (``<html lang=... dir=...>``), the switcher's list, and
    # dates, times, numbers and lists as the language writes them (Babel's locale data).
    environment.globals.update(
        current_locale=i18n.current_locale,
        html_lang=i18n.html_lang,
        text_direction=i18n.text_direction,
        languages=i18n.LANGUAGES,
        # A stored time (naive values are UTC) on a named zone's clock, for the format_* filters:
        # ``in_zone(note.created_at, event.timezone)|format_stamp``.
        in_zone=lambda value, zone: in_timezone(value, check_timezone(zone)),
    )
    environment.filters.update(
        format_time=i18n.format_time,
        format_date=i18n.format_date,
        format_day_time=i18n.format_day_time,
        format_stamp=i18n.format_short_stamp,
        format_number=i18n.format_number,
        format_list=i18n.format_list,
    )
    return environment
