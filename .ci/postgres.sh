#!/bin/sh
# A throwaway PostgreSQL for the tests, on 127.0.0.1:${PGPORT:-54329} with its data in
# ${PGROOT:-/tmp/sourcemark-pg}: installed from Debian's packages when missing, started when
# not running, left running for the next run. `.ci/postgres.sh stop` stops it and removes it.
set -eu
PGROOT=${PGROOT:-/tmp/sourcemark-pg}
PGPORT=${PGPORT:-54329}
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian's packages..."
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# initdb and pg_ctl refuse to run as root: run them as the postgres user then.
if [ "$(id -u)" -eq 0 ]; then AS="runuser -u postgres --"; OWNER=postgres; else AS=""; OWNER=$(id -un); fi
if [ "${1:-start}" = "stop" ]; then
  [ -f "$PGROOT/data/PG_VERSION" ] && $AS "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop || true
  rm -rf "$PGROOT"
  exit 0
fi
if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
  exit 0
fi
mkdir -p "$PGROOT"
chown "$OWNER" "$PGROOT"
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
  $AS "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
fi
# Durability is not the point of a test server: fsync off makes it fast.
$AS "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
echo "PostgreSQL is running on 127.0.0.1:$PGPORT (data in $PGROOT)."
