#!/usr/bin/env bash
# The embedded default: migrate the SQLite database, seed demo data, then run the web
# server and a Celery worker with embedded beat (SQLite broker, no server needed).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=wsgi.py
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$HOST:$PORT}  # links in reminder mail point here

"$BIN/flask" db upgrade
"$BIN/flask" casework seed-demo

"$BIN/celery" -A worker.app worker -B --pool solo --loglevel INFO >instance/worker.log 2>&1 &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true' EXIT INT TERM

echo
echo "Casework is running at http://$HOST:$PORT/  (worker log: instance/worker.log; Ctrl-C stops everything)"
echo "Public online report form: http://$HOST:$PORT/report  (triaged by North stalking team supervisors at /triage)"
echo "Demo sign-ins:"
sed 's/^/  /' instance/demo-sign-ins.txt
echo
"$BIN/flask" run --host "$HOST" --port "$PORT" --no-reload
