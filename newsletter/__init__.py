"""Members\x27 digests, the community newsletter, notification preferences, and the ladder of engagement."""
