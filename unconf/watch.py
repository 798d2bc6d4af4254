"""``unconf watch SLUG``: follow an event's live stream in a terminal, one line per change.

It reads the same WebSocket the board uses (``/api/v1/events/{slug}/live``) with the
``websockets`` client, and reconnects by itself when the server restarts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from unconf.settings import SettingsError, get_settings

NOT_FOUND = 4404
MAX_BACKOFF = 5.0
NOBODY_LISTENING = 3


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of ``unconf watch`` (for a sub-command parser or a standalone one)."""
    parser.add_argument("slug", help="the event to follow")
    parser.add_argument(
        "--url", default=None, help="where the server runs (default: UNCONF_BASE_URL, or the local host and port)"
    )
    parser.add_argument("--json", action="store_true", help="print each message as raw JSON (one per line)")
    return parser


def live_url(base: str, slug: str) -> str:
    """http(s)://host/prefix -> ws(s)://host/prefix/api/v1/events/SLUG/live."""
    parts = urlsplit(base if "://" in base else f"http://{base}")
    scheme = {"https": "wss", "wss": "wss"}.get(parts.scheme, "ws")
    path = parts.path.rstrip("/") + f"/api/v1/events/{quote(slug, safe='')}/live"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _clean(value: Any, limit: int = 120) -> str:
    """Terminal-safe text: no control characters from user-typed titles or names."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clock(at: str) -> str:
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%H:%M:%S")
    except (TypeError, ValueError):
        return "--:--:--"


def _names(people: Any) -> str:
    if not isinstance(people, list):
        return ""
    return ", ".join(_clean(p.get("display_name", "?"), 40) for p in people if isinstance(p, dict))


def describe(message: dict[str, Any]) -> str:
    """One readable line for one live message; unknown kinds still show their type and data."""
    kind = str(message.get("type", "?"))
    data = message.get("data")
    d: dict[str, Any] = data if isinstance(data, dict) else {}
    if kind == "hello":
        text = f"live on {_clean(message.get('event', ''))} (phase {_clean(d.get('phase', '?'))})"
    elif kind in ("proposal.created", "proposal.updated", "proposal.withdrawn"):
        verb = kind.split(".")[1]
        by = _names(d.get("facilitators"))
        text = f"proposal #{d.get('id')} {verb}: {_clean(d.get('title', ''))!s}" + (f" (by {by})" if by else "")
    elif kind == "proposal.merged":
        raw_into = d.get("into")
        into: dict[str, Any] = raw_into if isinstance(raw_into, dict) else {}
        text = f"proposal #{d.get('from')} merged into #{into.get('id')} {_clean(into.get('title', ''))}"
    elif kind == "vote.cast":
        text = f"vote: proposal #{d.get('proposal_id')} now has {d.get('votes')} dots from {d.get('voters')} people"
    elif kind == "phase.changed":
        ends = d.get("phase_ends_at")
        text = f"phase is now {_clean(d.get('phase', '?'))}" + (f", ends {_clean(ends)}" if ends else "")
    elif kind == "participant.joined":
        text = f"{_clean(d.get('display_name', 'someone'), 80)} joined"
    elif kind == "agenda.published":
        text = f"agenda version {d.get('version')} published"
    elif kind == "agenda.drafted":
        text = f"agenda draft: {d.get('sessions')} sessions, score {d.get('score')}"
    elif kind == "agenda.progress":
        text = f"building the agenda: {round(float(d.get('fraction') or 0) * 100)}%"
    else:
        text = f"{_clean(kind, 40)} {_clean(json.dumps(data, ensure_ascii=False, default=str), 160)}"
    return f"{_clock(str(message.get('at', '')))}  {text}"


async def follow(
    url: str,
    emit: Callable[[str], None],
    *,
    raw: bool = False,
    stop: asyncio.Event | None = None,
) -> int:
    """Print messages until stopped; reconnect with a capped backoff once it was live.

    Returns 1 when the event does not exist, and 3 when nothing answers at the URL the first time
    (a wrong port, or no server started): retrying then would wait forever for nobody.
    """
    delay = 0.5
    was_live = False
    while stop is None or not stop.is_set():
        try:
            async with connect(url, open_timeout=10, ping_interval=20, max_size=2**20) as socket:
                async for frame in socket:
                    try:
                        message = json.loads(frame)
                    except ValueError:
                        continue
                    if not isinstance(message, dict):
                        continue
                    if message.get("type") == "error":
                        emit(f"unconf watch: no such event ({url})")
                        return 1
                    if message.get("type") == "hello":
                        delay = 0.5
                        if was_live and not raw:
                            emit(describe(message).replace("live on", "live again on", 1))
                            continue
                        was_live = True
                    emit(json.dumps(message, ensure_ascii=False) if raw else describe(message))
        except InvalidURI:
            emit(f"unconf watch: not a usable URL: {url}")
            return 2
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == NOT_FOUND:
                emit("unconf watch: no such event")
                return 1
        except (TimeoutError, OSError, InvalidHandshake) as exc:
            if not was_live:
                reason = "nothing answers there" if isinstance(exc, OSError) else f"no unconf server there ({exc})"
                emit(
                    f"unconf watch: cannot reach {url}: {_clean(reason, 160)}. Start the server "
                    "('unconf serve' or 'unconf demo'), or pass --url with the address it prints."
                )
                return NOBODY_LISTENING
        if stop is not None and stop.is_set():
            break
        if not raw:
            emit(f"{datetime.now().strftime('%H:%M:%S')}  connection lost; retrying in {delay:.1f}s")
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)
    return 0


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Entry for ``unconf watch`` once its arguments are parsed (see ``configure_parser``)."""
    stream = out or sys.stdout
    base = args.url
    if not base:
        try:
            base = get_settings().public_url
        except SettingsError as exc:
            print(f"unconf: {exc}", file=sys.stderr)
            return 2
    url = live_url(base, args.slug)

    def emit(line: str) -> None:
        print(line, file=stream, flush=True)

    if not args.json:
        emit(f"following {url} (Ctrl-C to stop)")
    try:
        return asyncio.run(follow(url, emit, raw=args.json))
    except KeyboardInterrupt:
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``unconf watch SLUG [--url URL] [--json]``; returns the exit code."""
    parser = configure_parser(argparse.ArgumentParser(prog="unconf watch", description=__doc__.splitlines()[0]))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
