"""The ``unconf`` command: serve, migrate, demo, export, import, agenda solve.

Settings are read when a command runs (not at import), so ``--database`` and the
demo's own database take effect before the engine is created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "examples" / "edcamp-riverside.json"


def _use_database(url: str | None) -> None:
    if url:
        os.environ["UNCONF_DATABASE_URL"] = url
    from unconf.settings import get_settings

    get_settings.cache_clear()


T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one piece of async work, then close the database connections it opened."""
    from unconf.database import close_connection_pool

    async def wrapped() -> T:
        try:
            return await coro
        finally:
            await close_connection_pool()

    return asyncio.run(wrapped())


def _fail(message: str, code: int = 2) -> int:
    print(f"unconf: {message}", file=sys.stderr)
    return code


async def _migrate(quiet: bool = False) -> None:
    """Apply every app's migrations; SQLite files switch to WAL so readers never wait on writers."""
    import contextlib
    import io

    from piccolo.apps.migrations.commands.forwards import run_forwards

    from unconf.database import current_engine, is_sqlite

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink if quiet else sys.stdout):
        response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}\n{sink.getvalue()}")
    if is_sqlite():
        await current_engine().run_ddl("PRAGMA journal_mode=WAL")


def cmd_migrate(args: argparse.Namespace) -> int:
    _use_database(args.database)
    run(_migrate(quiet=args.quiet))
    print("unconf: database is up to date", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _use_database(args.database)
    from unconf.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    host = args.host or settings.host
    port = args.port or settings.port
    os.environ["UNCONF_HOST"], os.environ["UNCONF_PORT"] = host, str(port)
    get_settings.cache_clear()
    if args.workers > 1 and not settings.redis_url:
        print(
            "unconf: warning: several workers without UNCONF_REDIS_URL: live updates stay within each worker",
            file=sys.stderr,
        )
    if not args.no_migrate:
        run(_migrate(quiet=True))
    return _run_server(host, port, args.workers)


def _run_server(host: str, port: int, workers: int) -> int:
    import uvicorn

    uvicorn.run(
        "unconf.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level="info",
        proxy_headers=True,
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _use_database(args.database)
    from unconf.errors import DomainError
    from unconf.transfer import encode_event_file, export_event

    try:
        data = run(export_event(args.slug))
    except DomainError as exc:
        return _fail(exc.detail)
    sys.stdout.buffer.write(encode_event_file(data))
    return 0


async def _import(raw: bytes, slug: str | None, shift_to: date | None) -> tuple[Any, list[tuple[str, str]]]:
    from unconf.transfer import decode_event_file, import_event

    await _migrate(quiet=True)
    return await import_event(decode_event_file(raw), slug=slug, shift_to=shift_to)


def cmd_import(args: argparse.Namespace) -> int:
    _use_database(args.database)
    from unconf.errors import DomainError

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")
    try:
        event, keys = run(_import(raw, args.slug, args.shift_to))
    except DomainError as exc:
        where = f" (at {exc.field})" if exc.field else ""
        return _fail(f"import failed, nothing was written: {exc.detail}{where}")
    print(f"imported event {event.slug!r}", file=sys.stderr)
    for name, key in keys:
        print(f"organizer key for {name}: {key}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """A fresh database with the sample Edcamp, dated today, served with its links printed."""
    db_path = Path(args.db_file)
    if args.database is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        _use_database(f"sqlite:///{db_path}")
    else:
        _use_database(args.database)
    from unconf.errors import DomainError
    from unconf.settings import get_settings

    host = args.host or get_settings().host
    port = args.port or get_settings().port
    os.environ["UNCONF_HOST"], os.environ["UNCONF_PORT"] = host, str(port)
    get_settings.cache_clear()
    try:
        raw = Path(args.file).read_bytes()
        event, keys = run(_import(raw, None, date.today()))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")
    except DomainError as exc:
        return _fail(f"demo data could not be loaded: {exc.detail}")
    base = get_settings().public_url
    lines = [
        "",
        f"  unconf demo: {event.title}",
        f"  board (project it):  {base}/e/{event.slug}/board",
        f"  join link (phones):  {base}/e/{event.slug}/join?code={event.join_code}",
        f"  join code:           {event.join_code}",
        f"  agenda (JSON):       {base}/api/v1/events/{event.slug}/agenda",
        f"  API docs:            {base}/schema/swagger",
    ]
    lines += [f"  organizer key ({name}): {key}" for name, key in keys]
    lines += ["  (Ctrl+C stops the demo)", ""]
    print("\n".join(lines), flush=True)
    return _run_server(host, port, 1)


def cmd_agenda_solve(args: argparse.Namespace) -> int:
    from agenda.optimizer.cli import main as solve_main

    argv = [args.instance, "--time-limit", str(args.time_limit), "--seed", str(args.seed)]
    if args.max_iterations is not None:
        argv += ["--max-iterations", str(args.max_iterations)]
    if args.verbose:
        argv.append("--verbose")
    return solve_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unconf", description="Run an Edcamp morning.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database", help="database URL (default: UNCONF_DATABASE_URL or sqlite:///unconf.sqlite)")
        return p

    p = with_db(sub.add_parser("serve", help="run the web service"))
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    p.set_defaults(func=cmd_serve)

    p = with_db(sub.add_parser("migrate", help="create or upgrade the database"))
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = with_db(sub.add_parser("demo", help="load the sample Edcamp into a fresh database and serve it"))
    p.add_argument("--file", default=str(SAMPLE))
    p.add_argument("--db-file", default="unconf-demo.sqlite", help="the demo's own SQLite file (recreated)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_demo)

    p = with_db(sub.add_parser("export", help="write a whole event as JSON to stdout"))
    p.add_argument("slug")
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("import", help="create an event from an export file ('-' reads stdin)"))
    p.add_argument("file")
    p.add_argument("--slug", help="import under another slug")
    p.add_argument("--shift-to", type=date.fromisoformat, help="move the event's dates to start on this day")
    p.set_defaults(func=cmd_import)

    from unconf import watch

    p = sub.add_parser("watch", help="follow an event's live changes in the terminal")
    watch.configure_parser(p)
    p.set_defaults(func=watch.run)

    sub.add_parser("new-edcamp", help="set up a free Edcamp with rooms, a morning of slots and dots (see --help)")

    agenda = sub.add_parser("agenda", help="agenda tools")
    agenda_sub = agenda.add_subparsers(dest="agenda_command", required=True)
    p = agenda_sub.add_parser("solve", help="solve an edcamp-instance JSON file and print the solution")
    p.add_argument("instance")
    p.add_argument("--time-limit", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-iterations", type=int)
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_agenda_solve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["new-edcamp"]:
        # Its own parser (unconf/edcamp.py): a free Edcamp with sensible defaults in one step.
        from unconf.edcamp import main as new_edcamp

        return new_edcamp(words[1:])
    args = build_parser().parse_args(words)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
