"""Ports: a function a lower layer needs from a higher one, plugged in when the app is wired.

Dependencies run one way (web → domains → core, domains in their declared order). When a rule
of a lower domain needs an answer only a higher one has (events must know whether an agenda
is published before the day can start), the lower domain declares a ``Port`` and the higher
domain's function is plugged into it by ``unconf.app.wire``. Calling an unplugged port is a
wiring bug, and says so, rather than quietly answering "nothing".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class PortNotWired(RuntimeError):
    pass


class Port(Generic[F]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._fn: F | None = None

    def plug(self, fn: F) -> None:
        self._fn = fn

    @property
    def call(self) -> F:
        if self._fn is None:
            raise PortNotWired(f"{self.name} is not wired: create the app, or call unconf.app.wire() first")
        return self._fn
