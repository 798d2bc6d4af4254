"""The live scripts and the catalogue of live messages cannot drift apart."""

from __future__ import annotations

import inspect
import re

from tests.helpers import REPO
from unconf import live, watch

STATIC = REPO / "web" / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))
# `msg.type === "vote.cast"`, `message.type !== "error"`: every type a script reacts to.
HANDLED = re.compile(r"\.type\s*[!=]==?\s*\"([^\"]+)\"")


def handled_in(text: str) -> set[str]:
    return set(HANDLED.findall(text))


def test_live_js_carries_the_catalogue_as_generated() -> None:
    text = (STATIC / "live.js").read_text()
    start, end = text.index(live.JS_BEGIN), text.index(live.JS_END) + len(live.JS_END)
    block = text[text.rindex("\n", 0, start) + 1 : end]
    assert block == live.js_catalogue(), "run `python -m unconf.live` and paste its output into web/static/live.js"


def test_the_js_list_names_every_catalogue_type_and_nothing_else() -> None:
    text = (STATIC / "live.js").read_text()
    listed = re.findall(r"^\s+\"([a-z.]+)\":", text[text.index(live.JS_BEGIN) : text.index(live.JS_END)], re.M)
    assert listed == list(live.TYPES)
    assert len(set(live.TYPES)) == len(live.TYPES), "one struct per type"


def test_every_type_a_script_handles_is_in_the_catalogue() -> None:
    seen: dict[str, set[str]] = {script.name: handled_in(script.read_text()) for script in SCRIPTS}
    assert {"live.js", "board.js", "phone.js"} <= set(seen)
    assert "vote.cast" in seen["board.js"] and "phase.changed" in seen["phone.js"], "the pattern finds the handlers"
    unknown = {name: types - set(live.TYPES) for name, types in seen.items() if types - set(live.TYPES)}
    assert not unknown, f"types the scripts handle but the catalogue does not have: {unknown}"


def test_every_type_unconf_watch_describes_is_in_the_catalogue() -> None:
    source = inspect.getsource(watch.describe) + inspect.getsource(watch.follow)
    named = set(re.findall(r"kind == \"([^\"]+)\"", source))
    for group in re.findall(r"kind in \(([^)]*)\)", source):
        named |= set(re.findall(r"\"([^\"]+)\"", group))
    named |= set(re.findall(r"get\(\"type\"\) == \"([^\"]+)\"", source))
    assert {"hello", "error", "vote.cast", "phase.changed"} <= named
    assert named <= set(live.TYPES), named - set(live.TYPES)
