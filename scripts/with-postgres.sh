#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# Runs CMD with a throwaway PostgreSQL cluster (Debian package `postgresql`, 15 on bookworm):
#   - data dir in a fresh mktemp dir (owned by `postgres` when run as root), initdb -A trust --no-sync,
#   - listening on 127.0.0.1 on a free port, unix socket dir inside the data dir, fsync off,
#   - database `duban_test`, superuser `postgres`,
#   - exports DUBAN_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/duban_test
#     (also DUBAN_TEST_POSTGRES_URL with the same value, and PGHOST/PGPORT/PGUSER/PGDATABASE for psql).
# The cluster is stopped and deleted on exit (also on Ctrl-C); the script exits with CMD's exit code.
#
# If initdb is missing: as root, installs `postgresql` with apt-get; otherwise it errors.
# If PostgreSQL cannot be provided at all, CMD is NOT run and the exit code is 97 (EX_NO_POSTGRES),
# so callers (scripts/test.sh) can tell "no database" from "CMD failed".
set -uo pipefail

EX_NO_POSTGRES=97
log() { echo "[with-postgres] $*" >&2; }
nopg() { log "ERROR: $*"; exit "$EX_NO_POSTGRES"; }

[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1

find_bindir() {
  local d
  # Prefer 15 (what CI/Debian bookworm ships), else the newest installed major version.
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"; return 0
  fi
  return 1
}

BINDIR="$(find_bindir)" || BINDIR=""
if [ -z "$BINDIR" ]; then
  if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
    log "initdb not found: installing Debian package postgresql"
    export DEBIAN_FRONTEND=noninteractive
    # DPkg::Lock::Timeout: wait for a concurrent apt/dpkg instead of failing on the lock.
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 \
      && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null \
      || nopg "apt-get install postgresql failed"
    BINDIR="$(find_bindir)" || nopg "postgresql installed but initdb still not found"
  else
    nopg "PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian package 'postgresql' (as root: apt-get install -y postgresql)"
  fi
fi

# As root, initdb refuses to run: use the postgres system user.
if [ "$IS_ROOT" = 1 ]; then
  id -u postgres >/dev/null 2>&1 || nopg "running as root but there is no 'postgres' user to run the server as"
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi

TMP="$(mktemp -d "${DUBAN_PG_TMPDIR:-/tmp}/duban-pg.XXXXXX")" || nopg "mktemp failed"
DATA="$TMP/data"
PGLOG="$TMP/postgres.log"
STARTED=0

cleanup() {
  if [ "$STARTED" = 1 ]; then
    "${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 \
      || log "WARNING: pg_ctl stop failed (see $PGLOG)"
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
CHILD=""
on_signal() {  # forward to CMD, then exit (the EXIT trap removes the cluster)
  [ -n "$CHILD" ] && kill -"$1" "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
  exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

[ "$IS_ROOT" = 1 ] && chown postgres: "$TMP"
chmod 700 "$TMP"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

t0=$(date +%s.%N)
if ! "${AS_PG[@]}" "$BINDIR/initdb" -D "$DATA" -U postgres -A trust --no-sync -E UTF8 --no-locale \
     >"$TMP/initdb.log" 2>&1; then
  cat "$TMP/initdb.log" >&2
  nopg "initdb failed"
fi

# Pick a free port; retry with another if someone grabs it between the probe and the start.
for attempt in 1 2 3; do
  PORT="$(free_port)" || nopg "could not pick a free port (python3 missing?)"
  if "${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t 30 \
       -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
       start >/dev/null 2>&1; then
    STARTED=1; break
  fi
  # pg_ctl may have left a half-started server behind on timeout.
  "${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  log "start on port $PORT failed (attempt $attempt)"
done
if [ "$STARTED" != 1 ]; then
  tail -20 "$PGLOG" >&2 2>/dev/null
  nopg "could not start PostgreSQL"
fi

PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL="$(command -v psql)" || nopg "psql not found (Debian package postgresql-client)"
if ! "${AS_PG[@]}" "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
       -c "CREATE DATABASE duban_test" >/dev/null; then
  nopg "CREATE DATABASE duban_test failed"
fi

VERSION="$("$BINDIR/pg_ctl" --version | awk '{print $3}')"
log "PostgreSQL $VERSION up on 127.0.0.1:$PORT in $(python3 -c "import time; print(f'{time.time()-$t0:.1f}')")s (data $DATA)"

export DUBAN_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/duban_test"
export DUBAN_TEST_POSTGRES_URL="$DUBAN_TEST_DATABASE_URL"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=postgres PGDATABASE=duban_test

# Run CMD in the background so a signal to this script is handled at once (bash defers traps
# while a foreground child runs); keep this script's stdin for CMD (default would be /dev/null).
exec 3<&0
"$@" <&3 3<&- &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=""
log "command exited $rc; stopping PostgreSQL"
exit "$rc"
