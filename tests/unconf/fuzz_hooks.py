"""Schemathesis hooks for tests/unconf/test_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

Routes that make the server call out (webhooks, registrant CSV URLs, BigBlueButton and Whereby)
get their URLs pointed at the loopback receiver the test started, so fuzzing exercises the real
outbound path and nothing leaves the machine. Only values the schema accepts are replaced, so
schemathesis' negative cases stay negative.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

RECEIVER = os.environ["UNCONF_FUZZ_RECEIVER"]


def _valid_url(value: Any) -> bool:
    return isinstance(value, str) and 8 <= len(value) <= 2000


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    path = case.operation.path.rstrip("/")
    if path.endswith("/webhooks") and _valid_url(body.get("url")):
        body["url"] = f"{RECEIVER}/hook"
    elif path.endswith(("/registrants/preview", "/registrants/import")) and _valid_url(body.get("url")):
        body["url"] = f"{RECEIVER}/sheet.csv"
    elif path.endswith("/video") and isinstance(body.get("config"), dict):
        if body.get("provider") == "bbb":
            body["config"]["base_url"] = f"{RECEIVER}/bigbluebutton/api"
        elif body.get("provider") == "whereby":
            body["config"]["api_url"] = f"{RECEIVER}/v1"
