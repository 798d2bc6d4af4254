#!/bin/sh
# The one way unconf starts in production: apply migrations once, then serve with N workers.
# The container image runs it, and so does the proxy integration test (tests/deploy/).
set -eu

: "${UNCONF_HOST:=0.0.0.0}"
: "${UNCONF_PORT:=8000}"
: "${UNCONF_WORKERS:=2}"
export UNCONF_HOST UNCONF_PORT

unconf migrate --quiet
exec unconf serve --no-migrate --host "$UNCONF_HOST" --port "$UNCONF_PORT" --workers "$UNCONF_WORKERS"
