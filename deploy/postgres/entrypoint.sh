#!/bin/sh
# First start: initdb into $PGDATA, password auth over TCP, the project's roles and database.
# Every start: exec postgres (PID 1, so SIGINT/SIGTERM shut it down cleanly).
set -eu
# The socket goes to /tmp: the one directory every runtime mounts writable for any uid.
export PGHOST=/tmp

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set to initialise the database}"
    : "${RACING_LOADER_PASSWORD:?RACING_LOADER_PASSWORD must be set to initialise the database}"
    : "${RACING_READER_PASSWORD:?RACING_READER_PASSWORD must be set to initialise the database}"
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --pgdata="$PGDATA" --username=postgres --pwfile="$pwfile" --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    # Other pods and containers reach it over the network, always with a password.
    printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' \
        >>"$PGDATA/pg_hba.conf"
    pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses='' -c unix_socket_directories=/tmp" --wait --silent start
    psql --quiet --username=postgres --dbname=postgres --set=ON_ERROR_STOP=1 \
        --set=loader="$RACING_LOADER_PASSWORD" --set=reader="$RACING_READER_PASSWORD" <<'SQL'
create role racing_loader login createrole password :'loader';
create role racing_reader login password :'reader';
create database racing owner racing_loader;
revoke all on database racing from public;
grant connect on database racing to racing_reader;
SQL
    pg_ctl --pgdata="$PGDATA" --mode=fast --wait --silent stop
    echo "racing-postgres: initialised $PGDATA (roles racing_loader, racing_reader; database racing)"
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
