"""The ``unconf`` command: serve, migrate, demo, export, import, tier, agenda solve.

Settings are read when a command runs (not at import), so ``--database`` and the
demo's own database take effect before the engine is created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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


def _shown_database(url: str) -> str:
    """The database URL without a password, to print."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


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
    from unconf.migrations import migrate

    await migrate(quiet=quiet)


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

    from unconf.settings import get_settings

    # X-Forwarded-For is believed only from the proxies named in UNCONF_TRUSTED_PROXIES (none by
    # default): from anyone else it is a header a client made up, and the peer address is the client.
    trusted = get_settings().trusted_proxies
    from unconf.multiprocess import prepare_metrics_dir, remove_metrics_dir

    # Before prometheus-client is imported and any worker starts: every worker writes its metrics
    # here, and a scrape on any of them sums them all.
    metrics_dir = prepare_metrics_dir()
    from unconf import logs, shutdown

    try:
        uvicorn.run(
            "unconf.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers if workers > 1 else None,
            log_level="info",
            log_config=logs.uvicorn_log_config(),
            proxy_headers=bool(trusted),
            forwarded_allow_ips=list(trusted) if trusted else [],
            timeout_graceful_shutdown=shutdown.GRACE_SECONDS,
            # Live messages are small JSON; compressing each one for each of thousands of boards cost
            # more CPU than it saved bytes (see BENCHMARKS.md, live fan-out).
            ws_per_message_deflate=False,
        )
    finally:
        remove_metrics_dir(metrics_dir)  # only one it made: a directory the operator named stays
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _use_database(args.database)
    from exports.transfer import encode_event_file, export_event
    from unconf.errors import DomainError

    try:
        data = run(export_event(args.slug, with_secrets=args.with_secrets))
    except DomainError as exc:
        return _fail(exc.detail)
    sys.stdout.buffer.write(encode_event_file(data))
    if args.with_secrets:
        print(
            "unconf: the file holds video provider secrets, meeting links and webhook keys: keep it safe",
            file=sys.stderr,
        )
    return 0


async def _import(
    raw: bytes, slug: str | None, shift_to: date | None, *, free_slug: bool = False
) -> tuple[Any, list[tuple[str, str]]]:
    """Import one event file; with ``free_slug`` an existing event of that slug stays and the copy gets
    the next free one (the demo, loaded into a database that may hold it already)."""
    from events.tables import Event
    from exports.transfer import decode_event_file, import_event

    await _migrate(quiet=True)
    data = decode_event_file(raw)
    if free_slug and slug is None:
        base, number = data.event.slug, 1
        slug = base
        while await Event.exists().where(Event.slug == slug):
            number += 1
            slug = f"{base[:58]}-{number}"
    return await import_event(data, slug=slug, shift_to=shift_to)


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


async def _set_tier(slug: str, tier: str) -> Any:
    from instance.schemas import LimitsChange
    from instance.services import change_limits

    await _migrate(quiet=True)
    return await change_limits(slug, LimitsChange(tier=tier))  # type: ignore[arg-type]


def cmd_tier(args: argparse.Namespace) -> int:
    """The instance operator sets an event's tier on the configured database."""
    _use_database(args.database)
    from unconf.errors import DomainError

    try:
        event = run(_set_tier(args.slug, args.tier))
    except DomainError as exc:
        return _fail(exc.detail)
    print(f"event {event.slug!r} is on the {event.tier!r} tier", file=sys.stderr)
    return 0


async def _plan_next(community_slug: str, key: str | None) -> Any:
    from community import services as community_services
    from rhythm import services as rhythm_services
    from unconf.app import wire

    wire()
    await _migrate(quiet=True)
    community = await community_services.get_community(community_slug)
    organizer: Any = None
    if key:
        organizer = await community_services.community_organizer(community, key)
    else:
        # Whoever runs the command holds the database: the series' latest organizer organizes the next one too.
        template = rhythm_services.template_of(await community_services.community_events(community.id))
        organizer = await rhythm_services.organizer_for(template) if template is not None else None
        if organizer is None:
            return await rhythm_services.plan_next(community, None)
    return await rhythm_services.plan_next(community, organizer)


def cmd_plan_next(args: argparse.Namespace) -> int:
    """``unconf plan-next COMMUNITY``: the series' next event, copied from its latest one."""
    _use_database(args.database)
    from unconf.errors import DomainError

    try:
        planned = run(_plan_next(args.community, args.key or os.environ.get("UNCONF_ORGANIZER_KEY")))
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        return _fail(f"{exc.detail}{where}")
    event = planned.event
    print(
        "\n".join(
            [
                f"Planned: {event.title} on {event.start_date} (copied from {planned.template})",
                f"  rooms: {planned.rooms}, slots: {planned.slots}, video: {planned.video_provider or 'not copied'}",
                f"  carried topics offered: {planned.carried_offers}",
                f"  organizer console:   {planned.organize_url}",
                f"  organizer key:       {planned.organizer_key}   (shown once: keep it safe)",
            ]
        )
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The sample Edcamp, dated today, served with its links printed.

    By default it goes into the same database ``unconf serve``, ``new-edcamp``, ``export`` and
    ``import`` use (UNCONF_DATABASE_URL, or unconf.sqlite), beside any events already there;
    ``--db-file`` gives the demo a throwaway SQLite file of its own instead, made afresh.
    """
    if args.db_file and args.database is None:
        db_path = Path(args.db_file)
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
        event, keys = run(_import(raw, None, date.today(), free_slug=True))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")
    except DomainError as exc:
        return _fail(f"demo data could not be loaded: {exc.detail}")
    base = get_settings().public_url
    lines = [
        "",
        f"  unconf demo: {event.title}",
        f"  database:            {_shown_database(get_settings().database_url)}",
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
    p.add_argument(
        "--db-file",
        default=None,
        help="a throwaway SQLite file for the demo alone, made afresh (default: the usual database)",
    )
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_demo)

    from exports.transfer_scope import describe

    p = with_db(
        sub.add_parser(
            "export",
            help="write a whole event as JSON to stdout",
            description="Write a whole event as JSON to stdout, to import with 'unconf import'.",
            epilog=describe(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    p.add_argument("slug")
    p.add_argument(
        "--with-secrets",
        action="store_true",
        help="also write video provider secrets, meeting links and webhooks (URLs and signing keys)",
    )
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("import", help="create an event from an export file ('-' reads stdin)"))
    p.add_argument("file")
    p.add_argument("--slug", help="import under another slug")
    p.add_argument(
        "--shift-to",
        type=date.fromisoformat,
        help="start the event on this day: every date and timestamp moves by the same number of days",
    )
    p.set_defaults(func=cmd_import)

    from instance import cli as admin_cli

    p = sub.add_parser("admin", help="the instance operator's commands: events, tiers, limits, usage (see --help)")
    admin_cli.configure_parser(p)
    p.set_defaults(func=admin_cli.main)

    admin_cli.configure_backup_parser(
        sub.add_parser("backup", help="back up the database to FILE (safe while serving)")
    )
    admin_cli.configure_restore_parser(sub.add_parser("restore", help="restore a backup FILE into a fresh database"))

    p = with_db(sub.add_parser("tier", help="set an event's tier (same as 'unconf admin tier')"))
    p.add_argument("slug")
    p.add_argument("tier", help="free or paid (see /api/v1/tiers)")
    p.set_defaults(func=cmd_tier)

    from unconf import watch

    p = with_db(
        sub.add_parser("plan-next", help="plan a community's next event from its latest one (its rule's next date)")
    )
    p.add_argument("community", help="the community's slug")
    p.add_argument(
        "--key", help="an organizer key of one of its events (default: UNCONF_ORGANIZER_KEY, else its latest organizer)"
    )
    p.set_defaults(func=cmd_plan_next)

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


# --- new-edcamp: its own parser, a free Edcamp with sensible defaults in one step ------------------


def _clock_time(text: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 09:00")
    return text


def build_edcamp_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="unconf new-edcamp",
        description="Create a free Edcamp (rooms, a morning of slots, dots) and print its links and organizer key.",
    )
    p.add_argument("title", help="the event's title, e.g. 'Edcamp Riverside'")
    p.add_argument("--date", type=date.fromisoformat, default=None, help="the day (YYYY-MM-DD, default today)")
    p.add_argument("--organizer", default="Organizer", help="your display name")
    p.add_argument("--email", default=None)
    p.add_argument("--slug")
    p.add_argument("--timezone", default="UTC", help="IANA timezone such as Europe/Berlin")
    p.add_argument("--venue", default="")
    p.add_argument("--rooms", type=int, default=4, help="breakout rooms (besides the main room)")
    p.add_argument("--capacity", type=int, default=30, help="people per breakout room")
    p.add_argument("--start", type=_clock_time, default="09:00", help="when the opening starts (HH:MM)")
    p.add_argument("--slots", type=int, default=3, help="breakout slots")
    p.add_argument("--slot-minutes", type=int, default=45)
    p.add_argument("--dots", type=int, default=3, help="dots per participant")
    p.add_argument("--provider", choices=["jitsi", "static"], default="jitsi")
    p.add_argument("--template", default="", help="URL template for static links, e.g. https://meet.example.org/{room}")
    p.add_argument("--database", help="database URL (default: UNCONF_DATABASE_URL or sqlite:///unconf.sqlite)")
    return p


async def _create_edcamp(data: Any) -> Any:
    """Migrate, create, and close the database connections so the command can exit."""
    from rooms.edcamp import create_edcamp
    from unconf.database import close_connection_pool

    try:
        await _migrate(quiet=True)
        return await create_edcamp(data)
    finally:
        await close_connection_pool()


def new_edcamp(argv: Sequence[str] | None = None) -> int:
    """``unconf new-edcamp TITLE [options]``: exit 0 with the links printed, 2 with the reason on stderr."""
    import msgspec

    from rooms.edcamp import EdcampCreate
    from unconf.errors import DomainError
    from unconf.settings import get_settings

    args = build_edcamp_parser().parse_args(argv)
    _use_database(args.database)
    try:
        data = msgspec.convert(
            {
                "title": args.title,
                "start_date": (args.date or date.today()).isoformat(),
                "organizer_name": args.organizer,
                "organizer_email": args.email,
                "slug": args.slug,
                "timezone": args.timezone,
                "venue": args.venue,
                "breakout_rooms": args.rooms,
                "room_capacity": args.capacity,
                "starts_at": args.start,
                "breakout_slots": args.slots,
                "slot_minutes": args.slot_minutes,
                "dots_per_participant": args.dots,
                "video_provider": args.provider,
                "video_template": args.template,
            },
            EdcampCreate,
        )
    except msgspec.ValidationError as exc:
        print(f"unconf new-edcamp: {exc}", file=sys.stderr)
        return 2
    try:
        created = asyncio.run(_create_edcamp(data))
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"unconf new-edcamp: {exc.detail}{where}", file=sys.stderr)
        return 2
    event = created.event
    lines = [
        f"Edcamp created: {event.title} ({event.start_date}, {event.timezone}), open for proposals",
        f"  board (project it):  {created.board_url}",
        f"  join link (phones):  {created.join_link}",
        f"  join code:           {event.join_code}",
        f"  organizer console:   {created.organize_url}",
        f"  organizer key:       {created.organizer_key}   (shown once: keep it safe)",
        f"  database:            {_shown_database(get_settings().database_url)}",
        f"  rooms:               {', '.join(r.name for r in created.rooms)}",
        "  morning:             " + ", ".join(f"{s.starts_at:%H:%M} {s.label}" for s in created.slots),
    ]
    lines += [f"  note: {note}" for note in created.video.notes]
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["new-edcamp"]:
        return new_edcamp(words[1:])
    args = build_parser().parse_args(words)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
