# Racing Data API — `just --list` is the map. Recipes call the venv directly; no activated shell needed.

venv := ".venv"
py := venv / "bin/python"
export HOST := env_var_or_default("HOST", "127.0.0.1")
export PORT := env_var_or_default("PORT", "8000")

# List every recipe
default:
    @just --list --unsorted

# Create .venv and install the project with pinned dependencies (constraints.txt)
setup:
    test -x {{py}} || python3 -m venv {{venv}}
    {{py}} -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'

# Build artifacts from a directory of Ergast CSVs (default: data/raw if present, else the generated sample)
build-artifacts source="":
    {{py}} -m transforms build {{source}}

# Load artifacts/current into "sqlite" (default) or "postgres" (RACING_DATABASE_URL)
load target="sqlite":
    {{py}} -m transforms load {{target}}

# Serve the API on HOST:PORT (RACING_BACKEND=sqlite|postgres|parquet); builds and loads first if needed
serve:
    test -f artifacts/current/manifest.json || {{py}} -m transforms build
    case "${RACING_BACKEND:-sqlite}" in \
      sqlite) {{py}} -m transforms load sqlite -q ;; \
      postgres) {{py}} -m transforms load postgres -q ;; \
    esac
    {{py}} -m app

# Run the test suite (PostgreSQL tests skip without a server unless CI=true)
test *args:
    {{py}} -m pytest -n 2 {{args}}

# Lint and format-check
lint:
    {{py}} -m ruff check .
    {{py}} -m ruff format --check .

# Format the code
fmt:
    {{py}} -m ruff format .
    {{py}} -m ruff check --fix .

# Download the Ergast-format CSV mirror into data/raw, atomically (RACING_DATA_URL to change)
fetch-data *args:
    {{py}} -m transforms.fetch --dest data/raw {{args}}

# Measure: build stages, HTTP throughput against the framework's ceiling and Datasette (--quick: ≤ 60 s)
bench *args:
    {{py}} -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
    {{py}} bench/run.py {{args}}

# Write openapi.json (committed; a test fails when it is stale)
openapi:
    {{py}} -m app.openapi openapi.json

# Generate the typed Python client into client/ with openapi-python-client
client: openapi
    PATH="{{justfile_directory()}}/{{venv}}/bin:$PATH" {{venv}}/bin/openapi-python-client generate --path openapi.json --output-path client --overwrite --fail-on-warning

# Build the container image (docker, or podman with a locally built base)
image:
    scripts/container.sh build

# Build the image, run it read-only on loopback and check it (ready, data, non-root, SIGTERM)
image-test:
    scripts/container.sh test

# PostgreSQL + one-shot loader + API on the postgres backend (docker compose or podman compose)
up:
    if docker compose version >/dev/null 2>&1; then docker compose up --build; else podman compose up --build; fi
