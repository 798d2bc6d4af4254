"""Communities that run event after event, their members, profiles, blocks and greeter assignments.

A person is known in two ways: as a ``Participant`` of one event (events owns that row) and, once
they choose to stay, as a ``Member`` of a community, tied to each of their participant rows by an
``Attendance``. Profiles and blocks may hang on either; the services resolve both.
"""

from typing import ClassVar

from piccolo.columns import Array, Boolean, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event, Participant


class Community(Table):
    """A group that runs events (e.g. "Edcamp Riverside"); ``slug`` names it in ``/c/{slug}``.

    ``welcomes_enabled`` lets organizers turn greeters' welcomes off; ``greeter_daily_cap`` is how
    many newcomers one greeter is given per day at most.
    """

    id: ClassVar[Serial]
    slug = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=120)
    description = Text(default="")
    welcomes_enabled = Boolean(default=True)
    greeter_daily_cap = Integer(default=3)
    created_at = Timestamptz()


class CommunityEvent(Table):
    """An event belonging to a community: the link lives here so events never import community."""

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True, index=True)
    created_at = Timestamptz()


class Member(Table):
    """Someone who chose to stay in a community: an email and sign-in links, never a password.

    ``email_key`` is the lowercased address, unique per community (raw-SQL index in the migration).
    The sign-in code and the member session token are stored only as SHA-256 hashes.
    ``greeter`` marks a volunteer who welcomes newcomers.
    """

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, index=True)
    email_key = Varchar(length=254)
    signin_hash = Varchar(length=64, null=True, default=None, unique=True, index=True)
    signin_created_at = Timestamptz(null=True, default=None)
    token_hash = Varchar(length=64, null=True, default=None, unique=True, index=True)
    greeter = Boolean(default=False)
    created_at = Timestamptz()
    last_signin_at = Timestamptz(null=True, default=None)
    # The language this member last used (their mail is written in it); None: the event's or English.
    language = Varchar(length=16, null=True, default=None)


class Attendance(Table):
    """A member's participant row in one of the community's events (their history there)."""

    id: ClassVar[Serial]
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True, index=True)
    created_at = Timestamptz()


class Profile(Table):
    """What a person tells others about themselves; every field optional.

    Belongs to a member (then it carries over from event to event) or, for someone who is not a
    member, to their participant row. ``visibility`` is ``members`` (the community's members; the
    default), ``event`` (also everyone at the same event) or ``hidden``. ``in_directory`` keeps them
    in the member directory; ``suggest_as_peer`` (off until they choose it) lets others see them as
    a peer.
    """

    id: ClassVar[Serial]
    member = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.cascade, unique=True)
    participant = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.cascade, unique=True)
    display_name = Varchar(length=80, default="")
    role = Varchar(length=40, default="")
    subjects = Array(base_column=Varchar(length=40))
    grade_levels = Array(base_column=Varchar(length=40))
    city = Varchar(length=80, default="")
    can_help = Array(base_column=Varchar(length=40))
    looking_for = Array(base_column=Varchar(length=40))
    bio = Text(default="")
    visibility = Varchar(length=16, default="members")
    in_directory = Boolean(default=True)
    suggest_as_peer = Boolean(default=False)
    updated_at = Timestamptz()


class Block(Table):
    """One person blocking another: they are never suggested to, nor reach, each other.

    Each side is recorded by participant and, when they are a member, by member too, so a block
    made at one event holds at the community's next one.
    """

    id: ClassVar[Serial]
    blocker_participant = ForeignKey(
        references=Participant, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    blocker_member = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    blocked_participant = ForeignKey(
        references=Participant, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    blocked_member = ForeignKey(references=Member, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()


class Greeting(Table):
    """A newcomer given to a greeter: one per newcomer per community; counts toward the daily cap."""

    id: ClassVar[Serial]
    community = ForeignKey(references=Community, on_delete=OnDelete.cascade, index=True)
    greeter = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    newcomer = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True, index=True)
    assigned_at = Timestamptz()
