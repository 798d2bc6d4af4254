"""Route handlers of the exports package (registered by the app factory)."""

from typing import Any

EXPORT_HANDLERS: list[Any] = []
