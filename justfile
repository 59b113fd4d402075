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

# Build artifacts from a directory of Ergast CSVs (default: data/raw if present, else the generated sample; --allow-shrink to publish a version that drops over 1% of the current races, results or drivers)
build-artifacts source="" *flags:
    {{py}} -m transforms build {{source}} {{flags}}

# Load artifacts/current into "sqlite" (default) or "postgres" (RACING_LOADER_DATABASE_URL; RACING_READER_PASSWORD sets the API role's password)
load target="sqlite":
    {{py}} -m transforms load {{target}}

# Serve the API on HOST:PORT, one process per core (`just serve --help`); builds and loads first if needed
serve *args:
    test -f artifacts/current/manifest.json || {{py}} -m transforms build
    case "${RACING_BACKEND:-sqlite}" in \
      sqlite) {{py}} -m transforms load sqlite -q ;; \
      postgres) {{py}} -m transforms load postgres -q ;; \
    esac
    {{py}} -m app {{args}}

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
    {{py}} -m transforms fetch --dest data/raw {{args}}

# Refresh the data: fetch the mirror, build (printing what changed against current), load
refresh target="sqlite":
    {{py}} -m transforms fetch --dest data/raw
    {{py}} -m transforms build data/raw
    {{py}} -m transforms load {{target}}

# Measure: build stages, HTTP throughput against the framework's ceiling and Datasette (--quick: ≤ 60 s)
bench *args:
    {{py}} -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
    {{py}} bench/run.py {{args}}

# Instructions per request for one URL, in process under callgrind: an exact A/B of a change (needs valgrind)
bench-instructions path n="200":
    {{py}} bench/instructions.py '{{path}}' {{n}}

# Write openapi.json (committed; a test fails when it is stale)
openapi:
    {{py}} -m app.openapi openapi.json

# Generate the typed Python client package into client/ (settings and templates in client-gen/)
client: openapi
    PATH="{{justfile_directory()}}/{{venv}}/bin:$PATH" {{venv}}/bin/openapi-python-client generate --path openapi.json --output-path client --overwrite --fail-on-warning --meta uv --config client-gen/config.yaml --custom-template-path client-gen/templates

# Re-pin the vendored Swagger UI and ReDoc served at /docs and /redoc (app/static/docs; needs npm)
docs-assets swagger="5.35.0" redoc="2.5.4":
    #!/usr/bin/env bash
    set -euo pipefail
    out="{{justfile_directory()}}/app/static/docs"
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    cd "$tmp"
    npm pack --silent swagger-ui-dist@{{swagger}} redoc@{{redoc}} >/dev/null
    mkdir s r && tar xzf swagger-ui-dist-{{swagger}}.tgz -C s && tar xzf redoc-{{redoc}}.tgz -C r
    mkdir -p "$out"
    cp s/package/swagger-ui-bundle.js s/package/swagger-ui.css "$out/"
    cp s/package/LICENSE "$out/swagger-ui.LICENSE"
    cp s/package/swagger-ui-bundle.js.LICENSE.txt "$out/swagger-ui-bundle.js.LICENSE.txt"
    cp r/package/bundles/redoc.standalone.js r/package/bundles/redoc.standalone.js.LICENSE.txt "$out/"
    cp r/package/LICENSE "$out/redoc.LICENSE"
    cd "$out"
    { echo "# npm packages these files come from (just docs-assets), then sha256 of each file"
      echo "swagger-ui-dist@{{swagger}} redoc@{{redoc}}"
      sha256sum swagger-ui-bundle.js swagger-ui.css redoc.standalone.js; } > SOURCES.txt
    echo "pinned swagger-ui-dist@{{swagger}} and redoc@{{redoc}} in $out"

# Build the API image baking DATA (Ergast CSVs; default: the sample); tag <commit>-<data_version>
image data="":
    scripts/container.sh build {{quote(data)}}

# Build the image, run it read-only on loopback and check it (IMAGE_TEST_PORT, IMAGE_TEST_NAME)
image-test data="":
    scripts/container.sh test {{quote(data)}}

# PostgreSQL + loader + API on 127.0.0.1:8000 (UP_PORT): docker compose, else podman kube play
up data="":
    scripts/container.sh up {{quote(data)}}

# Stop what `just up` started (the PostgreSQL volume is kept)
down:
    scripts/container.sh down

# Regenerate deploy/observability/prometheusrule.yaml from rules.yml; check config, rules, unit tests and the Alertmanager route
observability:
    {{py}} scripts/prometheusrule.py
    cd deploy/observability && promtool check config prometheus.yml && promtool test rules rules.test.yml && amtool check-config alertmanager.yml
