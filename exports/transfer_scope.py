"""What an event file carries and what it leaves out, told once: in the file, the module and ``--help``.

Kept apart from ``exports.transfer`` (and free of database imports) so the command line can print
it in ``unconf export --help`` without loading the domains first.
"""

from __future__ import annotations

import textwrap

import msgspec


class LeftOut(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Something the file does not carry: ``table`` is the database table, ``what`` names the part."""

    table: str
    what: str
    why: str


ALWAYS_LEFT_OUT: tuple[LeftOut, ...] = (
    *(
        LeftOut(
            table="event",
            what=f"event.{column}",
            why="the instance operator's hold on the event (its own limits, a suspension): the operator of "
            "the instance that imports it decides again",
        )
        for column in ("max_participants", "max_rooms", "suspended_at")
    ),
    LeftOut(
        table="lease",
        what="lease rows",
        why="they belong to the instance, not to an event: which worker runs the retention job",
    ),
    LeftOut(
        table="outbox",
        what="outbox rows still pending",
        why="the server that queued them delivers them; importing them would send them a second time",
    ),
    LeftOut(
        table="outbox",
        what="outbox.dedupe_key",
        why="it names database ids of the server that wrote it; an imported copy may announce a phase again "
        "if an organizer moves the phase back and forth",
    ),
    LeftOut(
        table="facilitator_invite",
        what="facilitator_invite rows",
        why="an accepted invitation travels as a facilitator; open and declined ones stay behind, so name "
        "those people again after importing if they should still be asked",
    ),
    *(
        LeftOut(
            table=table,
            what=f"{table} rows",
            why="communities outlive one event: their members, profiles, blocks and greeters belong to the "
            "community and its other events, not to this event's file (people see and download theirs "
            "with 'download everything unconf holds about me')",
        )
        for table in ("community", "community_event", "member", "attendance", "profile", "block", "greeting")
    ),
)

# What people said to each other stays on the server where they said it: an event file is handed to other
# organizers and servers, and notes between two people are theirs. A session's chat is kept in the digest.
CONVERSATION_LEFT_OUT: tuple[LeftOut, ...] = tuple(
    LeftOut(table=table, what=f"{table} rows", why=why)
    for table, why in (
        ("chat_message", "topic chats stay on the server where they were written; the digest keeps them with "
         "each session, under the names people chose"),
        ("personal_note", "notes between two people are theirs, not the event's: they never leave the server"),
        ("conversation_report", "reports name who reported whom; they stay with the organizers who handled them"),
        ("conversation_mute", "a mute is a decision about one morning; mute again on the new server if needed"),
        ("conversation_choice", "a person's own choices stay where they made them"),
        ("greeter_message", "a greeter's words belong to their membership, not to one event"),
    )
)  # fmt: skip

ALWAYS_LEFT_OUT = ALWAYS_LEFT_OUT + CONVERSATION_LEFT_OUT

# A community's rhythm belongs to the community, not to one of its events.
NEWSLETTER_LEFT_OUT: tuple[LeftOut, ...] = tuple(
    LeftOut(table=table, what=f"{table} rows", why=why)
    for table, why in (
        ("notification_preference", "a member's choices of what to receive belong to their membership"),
        ("newsletter_item", "the newsletter is the community's, written by its members across events"),
        ("newsletter_issue", "past newsletters are the community's, kept on its page"),
        ("signing_key", "the server's key for unsubscribe links never leaves it"),
        ("ladder_mark", "a member's steps belong to their membership, not to one event"),
    )
)  # fmt: skip

ALWAYS_LEFT_OUT = ALWAYS_LEFT_OUT + NEWSLETTER_LEFT_OUT

# A community's rhythm belongs to the community and the series, not to one event's file.
RHYTHM_LEFT_OUT: tuple[LeftOut, ...] = tuple(
    LeftOut(table=table, what=f"{table} rows", why=why)
    for table, why in (
        ("community_rhythm", "a community's rule and city belong to the community, not to one of its events"),
        ("event_rhythm", "which event a series' event was planned from names events of the server it ran on"),
        ("carry_offer", "topics offered to a series' next event link events of the server they ran on"),
    )
)  # fmt: skip

ALWAYS_LEFT_OUT = ALWAYS_LEFT_OUT + RHYTHM_LEFT_OUT

SECRETS_LEFT_OUT: tuple[LeftOut, ...] = (
    LeftOut(
        table="video_settings",
        what="video_settings.secrets",
        why="provider keys (BigBlueButton shared secret, Whereby API key, Jitsi app secret) travel only with "
        "--with-secrets; enter them again after importing",
    ),
    LeftOut(
        table="video_link",
        what="video_link rows",
        why="a meeting URL lets anyone in, and host URLs and provider data hold moderator keys; they travel "
        "only with --with-secrets; without them the imported event makes new meetings at the first join",
    ),
    LeftOut(
        table="webhook_endpoint",
        what="webhook_endpoint rows",
        why="a Slack-style URL is itself a credential and generic endpoints sign with a secret; they travel "
        "only with --with-secrets; their delivery history stays, without the link to the endpoint",
    ),
)


def left_out(*, with_secrets: bool) -> list[LeftOut]:
    """What an export with or without ``--with-secrets`` leaves out."""
    return list(ALWAYS_LEFT_OUT if with_secrets else ALWAYS_LEFT_OUT + SECRETS_LEFT_OUT)


def describe() -> str:
    """The plain-language summary ``unconf export --help`` prints."""
    lines = [
        "The file carries every table of the event: the event, participants, rooms, time slots, proposals",
        "and facilitators, session notes (every revision), stars, votes, agenda versions and placements,",
        "the autopilot, video settings, room visits, registrants and invitation state, calendar feeds,",
        "session revisions and the delivery history. Keys, invitation codes and calendar feed URLs travel",
        "only as SHA-256 hashes of long random secrets: the file lets nobody sign in, and the same keys",
        "keep working where the file is imported. The file is still personal data: keep it safe.",
        "",
        "Left out (the file lists these under 'left_out'):",
    ]
    lines += [_item(item) for item in ALWAYS_LEFT_OUT]
    lines.append("Left out unless --with-secrets is given:")
    lines += [_item(item) for item in SECRETS_LEFT_OUT]
    return "\n".join(lines)


def _item(item: LeftOut) -> str:
    return textwrap.fill(f"{item.what}: {item.why}", width=98, initial_indent="  - ", subsequent_indent="    ")
