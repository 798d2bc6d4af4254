"""Every HTML page: phone, board, console, notes, check-in, setup; one Jinja environment."""

from pathlib import Path

from jinja2 import Environment

from unconf.templates import template_environment

WEB_DIR = Path(__file__).parent


def web_templates() -> Environment:
    """The environment behind Litestar's ``Template`` responses and the pages that render directly."""
    environment = template_environment(WEB_DIR / "templates")
    if "asset" not in environment.globals:
        from web.assets import asset  # static files by content-hashed name: ``{{ asset('app.css') }}``

        environment.globals["asset"] = asset
    return environment
