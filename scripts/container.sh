#!/usr/bin/env bash
# The API's container images, and the dev stack on one machine:
#
#   scripts/container.sh build [DATA_DIR]   the API image, baking DATA_DIR (default: the sample)
#   scripts/container.sh test [DATA_DIR]    build, run read-only on loopback, check it
#   scripts/container.sh up [DATA_DIR]      PostgreSQL + loader + API on the postgres backend
#   scripts/container.sh down               stop what `up` started
#
# Uses docker when an engine answers (`docker info`), else podman (installed with apt-get when
# missing and we are root on Debian). Podman gets a containers.conf with runc and explicit ulimits,
# and, since no registry may be reachable, a Debian base image built locally with debootstrap
# (once; later builds reuse it). Images are tagged <commit>-<data_version> (immutable: the code
# and the data baked in; `-dirty` after the commit when tracked files have changes), and also
# `latest`. `up` runs `docker compose` with docker, and with podman plays the Kubernetes dev
# overlay (deploy/kubernetes/overlays/dev) with `podman kube play`.
#
# Environment: IMAGE_TEST_PORT (18000) and IMAGE_TEST_NAME (racing-api-test) for `test`, so two
# runs on one host don't collide; UP_PORT (8000) and UP_PREFIX (empty: pod names as in the
# overlay) for `up`/`down`.
set -euo pipefail

cd "$(dirname "$0")/.."

BASE_IMAGE=localhost/debian-python:bookworm
NAME=${IMAGE_TEST_NAME:-racing-api-test}
HOST_PORT=${IMAGE_TEST_PORT:-18000}
UP_PORT=${UP_PORT:-8000}
UP_PREFIX=${UP_PREFIX:-}
UP_STATE=.up/${UP_PREFIX}kube-play
PY=.venv/bin/python
[[ -x $PY ]] || PY=python3
READY_TIMEOUT=60
STOP_TIMEOUT=10
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

TMP=$(mktemp -d)
cleanup() {
    if [[ -n "${ENGINE:-}" ]]; then "$ENGINE" rm -f "$NAME" >/dev/null 2>&1 || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "container.sh: FAIL: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

pick_engine() {
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
        ENGINE=docker IMAGE=racing-api PG_IMAGE=racing-postgres
        return
    fi
    if ! command -v podman >/dev/null; then
        [[ $EUID -eq 0 && -f /etc/debian_version ]] \
            || die "no working docker engine and no podman; install one of them"
        log "installing podman, runc and debootstrap"
        apt-get update -q && apt-get install -y -q podman runc debootstrap
    fi
    ENGINE=podman IMAGE=localhost/racing-api PG_IMAGE=localhost/racing-postgres
    # crun cannot use this kind of machine's hybrid cgroup layout; default ulimits are refused.
    cat >"$TMP/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
    export CONTAINERS_CONF="$TMP/containers.conf"
}

build_base() {
    podman image exists "$BASE_IMAGE" && return
    command -v debootstrap >/dev/null || die "debootstrap is needed to build $BASE_IMAGE"
    log "building $BASE_IMAGE with debootstrap (once, about 2 minutes)"
    local mirror rootfs="$TMP/rootfs"
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$TMP/debootstrap.log" 2>&1 \
        || { tail -20 "$TMP/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
}

image_mb() {
    local bytes
    bytes=$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE")
    awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1000000 }'
}

# The code version: the commit, marked dirty when tracked files differ from it.
code_version() {
    local version
    version=$(git rev-parse --short=12 HEAD 2>/dev/null || echo 000000000000)
    if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
        version+=-dirty
    fi
    echo "$version"
}

engine_build() {
    # Docker image format: the OCI format has no HEALTHCHECK, podman would drop it.
    if [[ $ENGINE == podman ]]; then
        local secret=()
        [[ -f $CA_BUNDLE ]] && secret=(--secret "id=cacert,src=$CA_BUNDLE")
        podman build --format docker --build-arg "BASE=$BASE_IMAGE" "${secret[@]}" "$@"
    else
        docker build "$@"
    fi
}

# build [DATA_DIR]: the API image baking DATA_DIR (any directory of Ergast CSVs; default the
# generated sample). A directory outside data/ is staged with the code into a temporary build
# context, since a build context cannot reach outside itself.
build() {
    local data=${1:-${DATA_DIR:-}} context=. data_arg=()
    pick_engine
    [[ $ENGINE == podman ]] && build_base
    if [[ -n $data ]]; then
        [[ -f $data/races.csv ]] || die "$data: not a directory of Ergast CSVs (no races.csv)"
        # Staged under its own name (the build records where its data came from);
        # .dockerignore leaves data/sample out of every context, hence the rename.
        local name
        name=$(basename "$(cd "$data" && pwd)")
        [[ $name == sample ]] && name=sample-csv
        context=$TMP/context
        mkdir -p "$context/data"
        # The repository as the build would see it (.dockerignore still applies), minus what
        # is large and never sent anyway.
        tar -c --exclude=./.git --exclude=./.venv --exclude=./.tools --exclude=./artifacts \
            --exclude=./data --exclude=./.up . | tar -x -C "$context"
        cp -r "$data" "$context/data/$name"
        data_arg=(--build-arg "DATA_DIR=data/$name")
    fi
    engine_build "${data_arg[@]}" -t "$IMAGE" -f Dockerfile "$context"
    DATA_VERSION=$("$ENGINE" run --rm --entrypoint cat "$IMAGE" /srv/artifacts/current/manifest.json \
        2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["data_version"])') \
        || die "cannot read the baked manifest from $IMAGE"
    TAG=$(code_version)-$DATA_VERSION
    "$ENGINE" tag "$IMAGE" "$IMAGE:$TAG"
    SIZE_MB=$(image_mb)
    echo "image $IMAGE:$TAG ($SIZE_MB MB; data_version $DATA_VERSION${data:+ from $data})"
}

# The PostgreSQL image (Debian's postgresql on the same base), tagged with the code version.
build_postgres() {
    engine_build -t "$PG_IMAGE" deploy/postgres
    PG_TAG=$(code_version)
    "$ENGINE" tag "$PG_IMAGE" "$PG_IMAGE:$PG_TAG"
    echo "image $PG_IMAGE:$PG_TAG"
}

# GET on the published port: prints the HTTP status (000 when down), keeps the body in $TMP/body.
get() {
    curl -s -o "$TMP/body" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HOST_PORT$1" || true
}

json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

test_image() {
    build "$@"
    local baked start status ready_s uid stop_start stop_s exit_code
    baked=$("$ENGINE" run --rm --entrypoint cat "$IMAGE" /srv/artifacts/current/manifest.json \
        2>"$TMP/run.err" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["data_version"])') \
        || die "cannot read the baked manifest from the image"

    "$ENGINE" rm -f "$NAME" >/dev/null 2>&1 || true
    log "starting $NAME on 127.0.0.1:$HOST_PORT (read-only, no capabilities)"
    start=$(now)
    # stderr kept aside: podman without systemd logs errors about healthcheck timers.
    "$ENGINE" run -d --name "$NAME" -p "127.0.0.1:$HOST_PORT:8000" --read-only \
        --tmpfs /tmp:rw,noexec,nosuid,size=16m --cap-drop=ALL \
        --security-opt no-new-privileges "$IMAGE" >/dev/null 2>"$TMP/run.err" \
        || { cat "$TMP/run.err" >&2; die "the container did not start"; }
    while :; do
        status=$(get /ready)
        [[ $status == 200 ]] && break
        if [[ $("$ENGINE" inspect --format '{{.State.Running}}' "$NAME") != true ]]; then
            "$ENGINE" logs "$NAME" >&2 || true
            die "the container exited before /ready answered 200"
        fi
        if awk -v s="$start" -v n="$(now)" -v t="$READY_TIMEOUT" 'BEGIN { exit !(n - s > t) }'; then
            "$ENGINE" logs "$NAME" >&2 || true
            die "/ready did not answer 200 within ${READY_TIMEOUT}s (last status $status)"
        fi
        sleep 0.1
    done
    ready_s=$(elapsed "$start" "$(now)")
    log "/ready answered 200 after ${ready_s}s"

    [[ $(json_field "$TMP/body" data_version) == "$baked" ]] \
        || die "/ready serves $(json_field "$TMP/body" data_version), the image holds $baked"
    log "/ready serves the baked data_version $baked"

    status=$(get '/drivers?limit=1')
    [[ $status == 200 ]] || die "/drivers?limit=1 answered $status"
    [[ $(json_field "$TMP/body" total) -gt 0 ]] || die "/drivers?limit=1 reports no drivers"
    log "/drivers?limit=1: 200, total $(json_field "$TMP/body" total)"

    uid=$("$ENGINE" exec "$NAME" id -u)
    [[ $uid != 0 ]] || die "the server runs as root"
    log "the server runs as uid $uid"

    # As uid 0, so that only a read-only mount (not file permissions) can refuse the write.
    if "$ENGINE" exec --user 0 "$NAME" sh -c 'echo x > /srv/write-test' 2>"$TMP/write.err" \
        || ! grep -q 'Read-only file system' "$TMP/write.err"; then
        die "the root filesystem is writable, or the write failed otherwise: $(cat "$TMP/write.err")"
    fi
    log "the root filesystem is read-only"

    if [[ $ENGINE == podman ]]; then
        podman healthcheck run "$NAME" >/dev/null || die "the HEALTHCHECK command failed"
    else
        # docker has no `healthcheck run`: exec the image's HEALTHCHECK command itself.
        local -a check
        mapfile -t check < <(docker image inspect --format '{{json .Config.Healthcheck.Test}}' \
            "$IMAGE" | python3 -c 'import json, sys; t = json.load(sys.stdin); print(*t[1:], sep="\n")')
        docker exec "$NAME" "${check[@]}" || die "the HEALTHCHECK command failed"
    fi
    log "the HEALTHCHECK command succeeds"

    stop_start=$(now)
    "$ENGINE" stop -t "$STOP_TIMEOUT" "$NAME" >/dev/null 2>"$TMP/stop.err"
    stop_s=$(elapsed "$stop_start" "$(now)")
    exit_code=$("$ENGINE" inspect --format '{{.State.ExitCode}}' "$NAME")
    awk -v s="$stop_s" -v t="$STOP_TIMEOUT" 'BEGIN { exit !(s < t) }' && [[ $exit_code != 137 ]] \
        || die "SIGTERM did not stop the server: ${stop_s}s, exit code $exit_code (137: killed)"
    log "SIGTERM stopped the server in ${stop_s}s, exit code $exit_code"
    "$ENGINE" rm "$NAME" >/dev/null 2>&1

    echo
    echo "PASS  image $IMAGE"
    echo "  image size:            $SIZE_MB MB"
    echo "  start to first 200:    ${ready_s} s"
    echo "  stop (SIGTERM):        ${stop_s} s"
}

wait_ready() {  # wait_ready URL SECONDS: until the URL answers 200
    local deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# up [DATA_DIR]: PostgreSQL, the one-shot loader, then the API on the postgres backend, on
# 127.0.0.1:$UP_PORT. docker: compose.yaml. podman: the dev overlay, played in that order.
up() {
    local data=${1:-}
    pick_engine
    if [[ $ENGINE == docker ]] && docker compose version >/dev/null 2>&1; then
        BASE=${BASE:-python:3.12-slim} docker compose up --build --detach --wait
        echo "serving on http://127.0.0.1:8000 (docker compose; \`just down\` stops it)"
        return
    fi
    [[ $ENGINE == podman ]] || die "docker has no compose plugin here; install it, or use podman"
    command -v kubectl >/dev/null || die "kubectl is needed to render deploy/kubernetes (kustomize)"
    build "$data"
    build_postgres
    local net=${UP_PREFIX}racing-dev volume=${UP_PREFIX}racing-postgres-data
    rm -rf "$UP_STATE"
    kubectl kustomize deploy/kubernetes/overlays/dev \
        | "$PY" scripts/kube_play.py "$UP_STATE" --prefix "$UP_PREFIX" --port "$UP_PORT" \
            --api-image "$IMAGE:$TAG" --postgres-image "$PG_IMAGE:$PG_TAG"
    podman network exists "$net" || podman network create "$net" >/dev/null
    podman volume exists "$volume" || podman volume create "$volume" >/dev/null
    # Pods find PostgreSQL by the name its Service has in the cluster.
    play "$UP_STATE/1-postgres.yaml" --network "$net:alias=postgres"
    local deadline=$((SECONDS + 90)) pg=${UP_PREFIX}postgres-pod-0-postgres
    until podman exec "$pg" pg_isready -q -h 127.0.0.1 2>/dev/null; do
        ((SECONDS < deadline)) || { podman logs "$pg" >&2; die "PostgreSQL did not start"; }
        sleep 0.5
    done
    log "PostgreSQL is ready; loading the data"
    play "$UP_STATE/2-release.yaml" --network "$net"
    local release=${UP_PREFIX}racing-data-release-release code
    code=$(podman wait "$release")
    podman logs "$release" >&2
    [[ $code == 0 ]] || die "the data release exited with $code"
    play "$UP_STATE/3-api.yaml" --network "$net"
    wait_ready "http://127.0.0.1:$UP_PORT/ready" "$READY_TIMEOUT" \
        || { podman logs "${UP_PREFIX}racing-api-pod-0-api" >&2; die "/ready did not answer 200"; }
    echo "serving on http://127.0.0.1:$UP_PORT (podman kube play of the dev overlay; \`just down\` stops it)"
}

play() {  # play FILE OPTIONS...: podman kube play, replacing pods left by an earlier run
    # stderr filtered: podman without systemd logs errors about healthcheck timers.
    podman kube play --replace "$@" >/dev/null 2>"$TMP/play.err" \
        || { grep -v -e systemd -e syslog "$TMP/play.err" >&2; die "podman kube play $1 failed"; }
}

down() {
    pick_engine
    if [[ $ENGINE == docker ]] && docker compose version >/dev/null 2>&1; then
        docker compose down
        return
    fi
    local file
    for file in "$UP_STATE"/3-api.yaml "$UP_STATE"/2-release.yaml "$UP_STATE"/1-postgres.yaml; do
        [[ -f $file ]] && podman kube down "$file" >/dev/null 2>&1 || true
    done
    rm -rf "$UP_STATE"
    echo "stopped (the data volume ${UP_PREFIX}racing-postgres-data is kept; podman volume rm it to start afresh)"
}

command=${1:-}
shift || true
case "$command" in
    build) build "$@" ;;
    test) test_image "$@" ;;
    up) up "$@" ;;
    down) down ;;
    *) echo "usage: $0 build|test|up [DATA_DIR] | down" >&2; exit 2 ;;
esac
