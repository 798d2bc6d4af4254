"""``unconf admin ...``: the instance operator's commands, on the configured database.

Whoever can run commands on the server is the operator; no token is asked. Every command calls
``instance.services``, the same rules as the operator API and page.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from unconf.cli import _fail, _migrate, _use_database, run


def _limit(text: str) -> int | None:
    """A whole number, or ``tier`` for the tier's own limit."""
    if text.strip().lower() == "tier":
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (or 'tier' for the tier's limit)") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a limit cannot be negative")
    return value


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", help="database URL (default: UNCONF_DATABASE_URL or sqlite:///unconf.sqlite)")
    sub = parser.add_subparsers(dest="admin_command", required=True)
    database_help = "database URL (also accepted before the command)"

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--database", default=argparse.SUPPRESS, help=database_help)
        return p

    p = add("events", "every event: tier, size, limits, last activity")
    p.add_argument("--csv", action="store_true", help="CSV instead of a table")
    p.set_defaults(admin=cmd_events)

    p = add("tier", "set an event's tier")
    p.add_argument("slug")
    p.add_argument("tier", help="free or paid (see /api/v1/tiers)")
    p.set_defaults(admin=cmd_limits)

    p = add("limits", "set an event's own limits ('tier' goes back to the tier's)")
    p.add_argument("slug")
    p.add_argument("--tier", help="also set the tier")
    p.add_argument("--max-participants", type=_limit, default=argparse.SUPPRESS)
    p.add_argument("--max-rooms", type=_limit, default=argparse.SUPPRESS)
    p.set_defaults(admin=cmd_limits)

    p = add("suspend", "suspend an event: its pages, API and live updates answer 403")
    p.add_argument("slug")
    p.set_defaults(admin=cmd_suspend, suspended=True)

    p = add("resume", "resume a suspended event")
    p.add_argument("slug")
    p.set_defaults(admin=cmd_suspend, suspended=False)

    p = add("delete", "delete an event and all its data (asks for its slug to confirm)")
    p.add_argument("slug")
    p.add_argument("--confirm", metavar="SLUG", help="the slug again, instead of typing it when asked")
    p.set_defaults(admin=cmd_delete)

    p = add("prune", "prune old outbox rows, presence rows and long-closed events now (the retention settings)")
    p.set_defaults(admin=cmd_prune)

    p = add("usage", "video and check-in person-minutes across events")
    p.add_argument("--csv", action="store_true", help="CSV instead of a table")
    p.set_defaults(admin=cmd_usage)


def main(args: argparse.Namespace) -> int:
    _use_database(args.database)
    from unconf.app import wire
    from unconf.errors import DomainError

    wire()  # usage reads the published agenda, which asks rooms for video links through a port

    try:
        return int(args.admin(args))
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        return _fail(f"{exc.detail}{where}")


async def _migrated(work: Any) -> Any:
    await _migrate(quiet=True)
    return await work


def table(header: list[str], rows: list[list[Any]]) -> str:
    """Columns padded to their widest cell; numbers to the right."""
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(isinstance(row[i], int) for row in rows) and bool(rows) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def cmd_events(args: argparse.Namespace) -> int:
    from instance import services

    rows = run(_migrated(services.list_events()))
    header = ["event", "tier", "phase", "people", "max_people", "rooms", "max_rooms", "suspended", "last_activity"]
    data = [
        [
            r.slug,
            r.tier,
            r.phase,
            r.participants,
            r.max_participants,
            r.rooms,
            r.max_rooms,
            "yes" if r.suspended else "no",
            r.last_activity.isoformat(timespec="seconds"),
        ]
        for r in rows
    ]
    if args.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(data)
    else:
        print(table(header, data) if data else "no events")
    return 0


def cmd_limits(args: argparse.Namespace) -> int:
    from instance import services
    from instance.schemas import LimitsChange

    fields: dict[str, Any] = {"tier": args.tier}
    for name in ("max_participants", "max_rooms"):
        if name in vars(args):  # absent when not given: the limit is kept
            fields[name] = getattr(args, name)
    row = run(_migrated(services.change_limits(args.slug, LimitsChange(**fields))))
    print(
        f"event {row.slug!r}: tier {row.tier!r}, at most {row.max_participants} people and {row.max_rooms} rooms"
        + (" (limits set by the operator)" if row.limits_set_by_operator else ""),
        file=sys.stderr,
    )
    return 0


def cmd_suspend(args: argparse.Namespace) -> int:
    from instance import services

    row = run(_migrated(services.set_suspended(args.slug, args.suspended)))
    print(f"event {row.slug!r} is {'suspended' if row.suspended else 'running'}", file=sys.stderr)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from instance import services

    confirm = args.confirm
    if confirm is None:
        print(
            f"Delete {args.slug!r} and all its data (people, proposals, votes, agenda, usage)? "
            "This cannot be undone. Type the event's slug to confirm: ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        confirm = sys.stdin.readline().strip()
    if confirm != args.slug:
        return _fail("not confirmed: nothing was deleted")
    gone = run(_migrated(services.delete_event(args.slug, confirm=confirm)))
    print(f"deleted event {gone.slug!r} with its {gone.participants} participants and all its data", file=sys.stderr)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """One retention round, unless a worker holds the lease (it is pruning, or just did)."""
    from instance.retention import holder_name, prune_once_across_workers, release_lease

    async def once() -> Any:
        holder = f"cli:{holder_name()}"
        try:
            return await prune_once_across_workers(holder, 600)
        finally:
            await release_lease("retention", holder)

    pruned = run(_migrated(once()))
    if pruned is None:
        return _fail("a worker is pruning right now (it holds the lease); nothing was done", code=3)
    print(
        f"pruned {pruned.outbox_rows} outbox rows, {pruned.presence_rows} presence rows"
        + (f", events: {', '.join(pruned.events)}" if pruned.events else ", no events"),
        file=sys.stderr,
    )
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    from instance import services

    totals = run(_migrated(services.usage_across()))
    if args.csv:
        sys.stdout.write(services.usage_csv(totals))
        return 0
    header = ["event", "tier", "video_joins", "checkins", "video_min", "checkin_min", "price_cents"]
    data: list[list[Any]] = [
        [r.slug, r.tier, r.video_joins, r.checkins, r.video_person_minutes, r.checkin_person_minutes, r.price_cents]
        for r in totals.events
    ]
    print(table(header, data) if data else "no events")
    print(
        f"total: {totals.video_person_minutes} video person-minutes, "
        f"{totals.checkin_person_minutes} check-in person-minutes, {totals.price_cents} cents"
    )
    return 0


# --- backup and restore: top-level commands (``unconf backup FILE``, ``unconf restore FILE``) -------


def configure_backup_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="where to write the backup")
    parser.add_argument("--database", help="database URL (default: UNCONF_DATABASE_URL or sqlite:///unconf.sqlite)")
    parser.set_defaults(func=cmd_backup)


def configure_restore_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a file written by 'unconf backup'")
    parser.add_argument("--database", help="database URL (default: UNCONF_DATABASE_URL or sqlite:///unconf.sqlite)")
    parser.add_argument("--replace", action="store_true", help="restore over a database that already holds events")
    parser.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    """Safe while the service runs: SQLite's online backup API, or pg_dump."""
    from pathlib import Path

    from instance.backup import BackupError, backup
    from unconf.settings import get_settings

    _use_database(args.database)
    try:
        size = backup(get_settings().database_url, Path(args.file))
    except BackupError as exc:
        return _fail(str(exc))
    print(f"unconf: backed up the database to {args.file} ({size} bytes)", file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Into a fresh database (stop the service first), then apply the migrations the backup predates."""
    from pathlib import Path

    from instance.backup import BackupError, restore
    from unconf.settings import get_settings

    _use_database(args.database)
    try:
        restore(get_settings().database_url, Path(args.file), replace=args.replace)
    except BackupError as exc:
        return _fail(str(exc))
    run(_migrate(quiet=True))
    print(f"unconf: restored {args.file}; the database is up to date", file=sys.stderr)
    return 0
