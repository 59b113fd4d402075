#!/usr/bin/env bash
# Build and smoke-test the API's container image: `scripts/container.sh build|test`.
#
# Uses docker when an engine answers (`docker info`), else podman (installed with apt-get when
# missing and we are root on Debian). Podman gets a containers.conf with runc and explicit ulimits,
# and, since no registry may be reachable, a Debian base image built locally with debootstrap.
set -euo pipefail

cd "$(dirname "$0")/.."

BASE_IMAGE=localhost/debian-python:bookworm
NAME=racing-api-test
HOST_PORT=18000
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
        ENGINE=docker IMAGE=racing-api
        return
    fi
    if ! command -v podman >/dev/null; then
        [[ $EUID -eq 0 && -f /etc/debian_version ]] \
            || die "no working docker engine and no podman; install one of them"
        log "installing podman, runc and debootstrap"
        apt-get update -q && apt-get install -y -q podman runc debootstrap
    fi
    ENGINE=podman IMAGE=localhost/racing-api
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

build() {
    pick_engine
    if [[ $ENGINE == podman ]]; then
        build_base
        local secret=()
        [[ -f $CA_BUNDLE ]] && secret=(--secret "id=cacert,src=$CA_BUNDLE")
        # Docker image format: the OCI format has no HEALTHCHECK, podman would drop it.
        podman build --format docker --build-arg "BASE=$BASE_IMAGE" "${secret[@]}" \
            ${DATA_DIR:+--build-arg "DATA_DIR=$DATA_DIR"} -t "$IMAGE" .
    else
        docker build ${DATA_DIR:+--build-arg "DATA_DIR=$DATA_DIR"} -t "$IMAGE" .
    fi
    SIZE_MB=$(image_mb)
    echo "image $IMAGE: $SIZE_MB MB"
}

# GET on the published port: prints the HTTP status (000 when down), keeps the body in $TMP/body.
get() {
    curl -s -o "$TMP/body" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HOST_PORT$1" || true
}

json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

test_image() {
    build
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

case "${1:-}" in
    build) build ;;
    test) test_image ;;
    *) echo "usage: $0 build|test   (env DATA_DIR=data/raw bakes those CSVs)" >&2; exit 2 ;;
esac
