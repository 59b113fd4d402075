# Racing Data API: one stage installs the dependencies and bakes the data (Parquet artifacts and
# their SQLite load); the runtime stage copies only the venv and the artifacts, runs as a non-root
# user and works on a read-only root filesystem.
#
#   docker build -t racing-api .                          # generated sample data
#   docker build --build-arg DATA_DIR=data/raw -t racing-api .   # the Ergast CSVs in data/raw
#
# BASE can be swapped (CI, or a locally built Debian image where no registry is reachable); both
# stages must use the same one, since the venv links to the base image's python.
ARG BASE=python:3.12-slim

FROM ${BASE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Dependencies in their own layer: rebuilt only when pyproject.toml or constraints.txt change.
# A CA bundle can be passed as a build secret (a proxy that re-signs TLS); it is used by this step
# only and never stored in a layer. Without the secret pip uses its own bundle.
COPY pyproject.toml constraints.txt ./
RUN --mount=type=secret,id=cacert \
    if [ -f /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi; \
    python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY app/ app/
COPY contract/ contract/
COPY transforms/ transforms/
RUN --mount=type=secret,id=cacert \
    if [ -f /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi; \
    pip install --no-cache-dir --no-deps -c constraints.txt .

# Bake the data: the generated sample by default, or the Ergast CSVs at DATA_DIR, a directory
# under data/ (the only data .dockerignore sends). Copied rather than bind-mounted so that changed
# CSVs invalidate this layer with every builder; it stays in this stage, never in the runtime image.
ARG DATA_DIR=
COPY . /context/
RUN if [ -n "$DATA_DIR" ]; then source="/context/${DATA_DIR}"; \
    else source=/build/data/sample && python -m transforms sample "$source"; fi \
    && if [ ! -d "$source" ]; then echo "DATA_DIR=$DATA_DIR: no such directory in the build context" >&2; exit 1; fi \
    && python -m transforms --artifacts /build/artifacts build --quiet "$source" \
    && python -m transforms --artifacts /build/artifacts load sqlite --quiet \
    && chmod -R a+rX /build/artifacts

FROM ${BASE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="racing-data-api" \
      org.opencontainers.image.description="Formula 1 history as precomputed statistics served over HTTP" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"

RUN useradd --no-log-init --no-create-home --uid 10001 --user-group \
        --home-dir /srv --shell /usr/sbin/nologin racing

# The artifacts directory keeps its layout: the version directory and `current`, a relative
# symlink to it (COPY of a directory preserves symlinks inside it). Owned by root: read-only.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /build/artifacts /srv/artifacts

ENV PATH=/opt/venv/bin:$PATH \
    RACING_ARTIFACTS=/srv/artifacts \
    HOST=0.0.0.0 \
    PORT=8000 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /srv
USER 10001:10001
EXPOSE 8000

# No curl in slim images: python's urllib raises (exit 1) on a refused connection or a non-2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/opt/venv/bin/python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/ready', timeout=4)"]

# Exec form: python is PID 1 and receives SIGTERM, so uvicorn shuts down gracefully.
ENTRYPOINT ["/opt/venv/bin/python", "-m", "app"]
