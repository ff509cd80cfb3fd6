#!/bin/bash
# Entrypoint of the spec1-sim/postgres images: the part of the official postgres image's contract
# (docker-library/postgres, docker-entrypoint.sh) that callers use. POSTGRES_PASSWORD or
# POSTGRES_PASSWORD_FILE, POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS and PGDATA as there; an empty
# data directory is initialised on first start; `docker run <image> -c key=value` runs `postgres -c key=value`.
# Not carried over: /docker-entrypoint-initdb.d, POSTGRES_HOST_AUTH_METHOD, POSTGRES_INITDB_WALDIR.
set -Eeuo pipefail

# As in the official image: arguments that start with "-" are the server's own.
if [ "${1:0:1}" = "-" ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

# Read while still root, as the official image does: a secret file need not be readable by postgres.
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set (but are exclusive)" >&2
    exit 1
  fi
  POSTGRES_PASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
  export POSTGRES_PASSWORD
  unset POSTGRES_PASSWORD_FILE
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  # The socket directory is in /run, which mmdebstrap leaves empty in the image.
  install -d -o postgres -g postgres -m 3777 /run/postgresql
  # The server never runs as root. setpriv execs, as the official image's gosu does (runuser would stay
  # in between as PID 1), so postgres becomes PID 1 and receives docker stop's SIGINT itself.
  HOME=/var/lib/postgresql exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

initialise() {
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: $PGDATA is empty and no superuser password is given: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
    exit 1
  fi
  local user="${POSTGRES_USER:-postgres}"
  local db="${POSTGRES_DB:-$user}"
  # TCP logins need the password (scram-sha-256); the socket inside the container trusts, as the official
  # image's does, for `docker exec … psql`. POSTGRES_INITDB_ARGS come last so a caller can override these,
  # and go through eval as in the official image, so quoted arguments stay whole.
  eval 'initdb --username="$user" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") --auth-local=trust --auth-host=scram-sha-256 '"${POSTGRES_INITDB_ARGS:-}"
  printf '\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  # The temporary server listens on the socket only, as the official image's does: nothing outside the
  # container can log in before the database below exists.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user" --dbname postgres --set db="$db" <<< 'CREATE DATABASE :"db";'
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initialise
fi
exec "$@"
