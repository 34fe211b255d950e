# syntax=docker/dockerfile:1
# dealbot's image: `dealbot serve` (HTTP edge + worker + scheduler) as a non-root user.
#   docker build --build-arg DEALBOT_COMMIT="$(git rev-parse --short=12 HEAD)" -t dealbot .
# Every RUN step here is a line of the README's "Install on a host" (tests/test_deploy.py).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# build: a virtualenv holding dealbot and its runtime dependencies only (no test extra)
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY messages ./messages
RUN python3 -m venv /opt/dealbot \
    && /opt/dealbot/bin/pip install --no-cache-dir '.[all]'

# runtime: the virtualenv and a user; no compiler, no sources, no pip cache
FROM ${PYTHON_IMAGE}
ARG DEALBOT_COMMIT=unknown
RUN groupadd --system --gid 10001 dealbot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/dealbot --create-home dealbot
COPY --from=build /opt/dealbot /opt/dealbot
# DEALBOT_COMMIT: what `dealbot --version` names as the commit. The server listens on every
# address of the container; a reverse proxy in front terminates TLS (README, Deploy).
ENV PATH=/opt/dealbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DEALBOT_COMMIT=${DEALBOT_COMMIT} \
    DEALBOT_SERVER_HOST=0.0.0.0 \
    DEALBOT_SERVER_PORT=8080
USER 10001:10001
# without DEALBOT_DATABASE_URL: SQLite at /var/lib/dealbot/dealbot.db (mount a volume there)
WORKDIR /var/lib/dealbot
VOLUME ["/var/lib/dealbot"]
EXPOSE 8080
# readiness: it can store and is not saturated (GET /readyz answers within a second; 503 fails)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('DEALBOT_SERVER_PORT', '8080'), timeout=4)"]
# `dealbot serve` migrates the database at start (on PostgreSQL under an advisory lock: of
# several replicas started together, one migrates and the others wait); SIGTERM stops it cleanly
ENTRYPOINT ["dealbot"]
CMD ["serve"]
