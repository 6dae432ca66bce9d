#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster and Redis server on loopback, run the given
# command with CASEWORK_TEST_PG_URL and CASEWORK_TEST_REDIS_URL set, and clean up on exit.
# With CASEWORK_SERVICES_DIR=/some/dir the PostgreSQL cluster lives in that folder and is kept
# (stopped, not deleted) on exit, so a later run can reuse its databases (`bench.run --keep`/`--reuse`).
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
KEEP_DIR=${CASEWORK_SERVICES_DIR:-}
if [ -n "$KEEP_DIR" ]; then
  mkdir -p "$KEEP_DIR"
  WORK=$(cd "$KEEP_DIR" && pwd)
else
  WORK=$(mktemp -d /tmp/casework-test-services.XXXXXX)
fi
chmod 755 "$WORK"
chown postgres "$WORK" 2>/dev/null || true

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if [ -n "$KEEP_DIR" ]; then
    as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -f "$WORK/redis.pid" "$WORK/redis.log"
  else
    as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

[ -f "$WORK/data/PG_VERSION" ] || as_postgres "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$WORK/initdb.log"
PG_OPTIONS="-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
as_postgres "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 30 -o "$PG_OPTIONS" start >/dev/null
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$WORK" \
  --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --save '' --appendonly no
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export CASEWORK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
export CASEWORK_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
# For the fault drills of bench/load.py, which stop and start these servers mid-run.
export CASEWORK_TEST_SERVICES_DIR="$WORK" CASEWORK_TEST_PG_CTL="$PGBIN/pg_ctl" CASEWORK_TEST_PG_OPTIONS="$PG_OPTIONS"
echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
"$@"
