# Production image of the marketplace: one image for the web app (default
# command) and the background worker (`marketplace worker`).
# Build:  docker build -t marketplace:local .
# See docs/deployment.md for running it with docker-compose.yml.

# --- Stage 1: fetch the vendored front-end assets -----------------------------
# `make static` runs `npm pack htmx.org@<pinned version>` and verifies its
# checksum; only the resulting marketplace/web/static/ leaves this stage.
FROM node:22-bookworm-slim AS static

# Build-only tool from the Debian release the tag pins.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN make static


# --- Stage 2: build the virtualenv --------------------------------------------
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /src
COPY . .
COPY --from=static /src/marketplace/web/static/ marketplace/web/static/
# pip builds in the source tree: drop its leftovers so that /app does not hold
# a second copy of the package metadata.
RUN pip install . \
    && rm -rf build ./*.egg-info


# --- Stage 3: runtime -----------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

# /opt/venv holds the dependencies and the `marketplace` console script from
# `pip install .`; /app holds the source tree and is the working directory.
# PYTHONPATH=/app makes Python import `marketplace` from /app: settings.py
# looks for templates/ next to the package directory and for the static files
# inside it, and the wheel carries neither templates/ nor web/static/vendor/.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    MARKETPLACE_DATA_DIR=/app/var \
    MARKETPLACE_MEDIA_ROOT=/app/media \
    MARKETPLACE_DEBUG=false

RUN groupadd --system --gid 10001 marketplace \
    && useradd --system --uid 10001 --gid marketplace \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin marketplace

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src /app

# The code stays owned by root (read-only for the app); only the data and
# media directories are writable. A new named volume mounted on /app/media
# takes over this ownership.
RUN python -m compileall -q /app/marketplace \
    && mkdir -p /app/var /app/media \
    && chown marketplace:marketplace /app/var /app/media

# Numeric, so that orchestrators can verify it is not root.
USER 10001:10001

EXPOSE 8000

# Slim images have no curl: probe /health with the standard library. The Host
# header is the first entry of MARKETPLACE_ALLOWED_HOSTS (a leading "*" made
# concrete) so that the allowed-hosts check does not reject the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('MARKETPLACE_ALLOWED_HOSTS', '').split(',')[0].strip().replace('*', 'healthcheck') or 'localhost'; u.build_opener(u.ProxyHandler({})).open(u.Request('http://127.0.0.1:8000/health', headers={'Host': h}), timeout=4)"]

# Applies the Alembic migrations, then serves the app with uvicorn.
CMD ["marketplace", "run", "--host", "0.0.0.0", "--port", "8000"]
