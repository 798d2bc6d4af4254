"""Webhook endpoints, the durable outbox every notification goes through, and its delivery log."""

from typing import ClassVar

from piccolo.columns import Array, Boolean, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from events.tables import Event, Participant


class WebhookEndpoint(Table):
    """Where an event's notices go: a Slack-compatible incoming webhook or a generic signed receiver.

    ``secret`` is the HMAC key for generic receivers. Unlike tokens it cannot be stored hashed (we
    sign with it), so it is shown once on creation and only its first characters afterwards.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    url = Varchar(length=2000)
    format = Varchar(length=16, default="generic")
    secret = Varchar(length=100, default="")
    types = Array(base_column=Varchar(length=40))
    description = Varchar(length=200, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class Outbox(Table):
    """One message to deliver, and its delivery log: requests only insert rows, the worker sends them.

    ``channel`` is ``notice`` (a change to fan out to endpoints and people), ``webhook`` or ``email``.
    A row is claimed by moving ``next_attempt_at`` forward with a conditional update (a lease), so a
    crashed worker's row becomes due again and two workers never send the same attempt.
    ``dedupe_key`` (unique) makes fan-out and the "starting soon" scan safe to repeat.
    """

    id: ClassVar[Serial]
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    channel = Varchar(length=16)
    kind = Varchar(length=40)
    endpoint = ForeignKey(references=WebhookEndpoint, null=True, default=None, on_delete=OnDelete.cascade)
    participant = ForeignKey(references=Participant, null=True, default=None, on_delete=OnDelete.cascade)
    recipient = Varchar(length=254, default="")
    subject = Varchar(length=300, default="")
    payload = Text(default="{}")
    status = Varchar(length=16, default="pending")
    attempts = Integer(default=0)
    max_attempts = Integer(default=10)
    next_attempt_at = Timestamptz()
    last_error = Text(default="")
    last_code = Integer(null=True, default=None)
    dedupe_key = Varchar(length=200, null=True, default=None, unique=True)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class OutboxAttempt(Table):
    """Every try at delivering an outbox row: when, what the other side said, how long it took."""

    id: ClassVar[Serial]
    outbox = ForeignKey(references=Outbox, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    at = Timestamptz()
    ok = Boolean(default=False)
    code = Integer(null=True, default=None)
    error = Text(default="")
    duration_ms = Integer(default=0)
