"""The one Jinja2 set-up for every HTML page, printable and invitation, whichever package renders it.

Autoescaping is always on: titles, names and notes come from people. Each package keeps its
templates in its own ``templates/`` directory and gets one shared environment for it here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape


@cache
def template_environment(directory: Path, *, trim_blocks: bool = False) -> Environment:
    """The environment for one package's templates; the same object on every call, so Litestar's
    template engine and direct renders share it.

    ``trim_blocks`` drops the newline after a block tag and the indentation before it, for
    templates written as indented code (the printables); pages keep their whitespace as written.
    """
    return Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True, default=True),
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        auto_reload=False,
    )
