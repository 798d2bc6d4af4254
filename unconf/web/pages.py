"""Server-rendered pages (the web shell)."""

from typing import Any

PAGE_HANDLERS: list[Any] = []
