"""Printable pages and the digest, through the one Jinja set-up (autoescaped: titles come from participants)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unconf.templates import template_environment

TEMPLATES = Path(__file__).parent / "templates"


def render_template(name: str, **context: Any) -> bytes:
    environment = template_environment(TEMPLATES, trim_blocks=True)
    return environment.get_template(name).render(**context).encode("utf-8")
