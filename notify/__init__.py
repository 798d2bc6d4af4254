"""Keeping people informed: email and webhooks through a durable outbox and a background worker."""
