# syntax=docker/dockerfile:1
# unconf's image: built in one stage from the locked, hashed dependencies, run in a slim one as a
# non-root user. The entrypoint (deploy/entrypoint.sh) migrates, then serves; the proxy integration
# test runs the same script.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/unconf
COPY requirements.lock /src/requirements.lock
RUN /opt/unconf/bin/pip install --require-hashes -r /src/requirements.lock
COPY pyproject.toml piccolo_conf.py README.md /src/
COPY unconf /src/unconf
COPY events /src/events
COPY sessions /src/sessions
COPY voting /src/voting
COPY agenda /src/agenda
COPY rooms /src/rooms
COPY notify /src/notify
COPY people /src/people
COPY community /src/community
COPY conversation /src/conversation
COPY exports /src/exports
COPY instance /src/instance
COPY newsletter /src/newsletter
COPY rhythm /src/rhythm
COPY web /src/web
# The translations, compiled (docs/translating.md).
RUN /opt/unconf/bin/pybabel --quiet compile -D unconf -d /src/unconf/locale
COPY examples /src/examples
# The dependencies are already there, pinned by hash: install only unconf itself.
RUN /opt/unconf/bin/pip install --no-deps /src

FROM python:3.11-slim-bookworm AS run
# pg_dump/pg_restore for 'unconf backup' on PostgreSQL; nothing else from the build stage's tools.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/unconf --create-home unconf
COPY --from=build /opt/unconf /opt/unconf
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/unconf-entrypoint
ENV PATH=/opt/unconf/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    UNCONF_HOST=0.0.0.0 \
    UNCONF_PORT=8000 \
    UNCONF_WORKERS=2 \
    UNCONF_DATABASE_URL=sqlite:////var/lib/unconf/unconf.sqlite
USER unconf
WORKDIR /var/lib/unconf
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
# SIGTERM reaches uvicorn (exec in the entrypoint): live sockets close with "service restart".
STOPSIGNAL SIGTERM
ENTRYPOINT ["unconf-entrypoint"]
