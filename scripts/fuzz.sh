#!/usr/bin/env bash
# API fuzzing: schemathesis against /api/v1/openapi.json of a throwaway service (SQLite, demo data), first
# with an administrator's token, then with a unit liaison's (xiayang_ll). Fails on any server error or any
# response that does not match the OpenAPI document; prints the request counts.
# Each token gets one pass of every phase (examples, coverage, fuzzing, stateful) over every operation, with
# up to FUZZ_EXAMPLES generated cases per operation: about 30 s per token, some 8,000 requests in all.
# Env: FUZZ_EXAMPLES (cases per operation, default 15), FUZZ_SEED (default 9), FUZZ_SECONDS (empty by default:
# one pass; a number makes fuzzing and stateful testing repeat until that many seconds per token are spent,
# the longer soak), FUZZ_TIMEOUT (seconds one token's run may take at most, default 300; then it fails).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_PER_TOKEN="${FUZZ_SECONDS:-}"
SEED="${FUZZ_SEED:-9}"
EXAMPLES="${FUZZ_EXAMPLES:-15}"
TIMEOUT="${FUZZ_TIMEOUT:-300}"
BUDGET=()
[ -n "$SECONDS_PER_TOKEN" ] && BUDGET=(--max-time "$SECONDS_PER_TOKEN")
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

# schemathesis in its own venv (its pins are not the service's), kept between runs
if ! .venv-fuzz/bin/st --version >/dev/null 2>&1; then
  python3 -m venv .venv-fuzz
  .venv-fuzz/bin/pip install -q "schemathesis>=4,<5" >.venv-fuzz/install.log 2>&1 || { cat .venv-fuzz/install.log; exit 1; }
fi
[ -x .venv/bin/duban ] || bash scripts/setup.sh

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3" DUBAN_DATA_DIR="$WORK/data" DUBAN_DEMO_MODE=1
export DUBAN_SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
export DUBAN_SMTP_HOST="" DUBAN_WEBHOOKS=""
.venv/bin/duban db upgrade >"$WORK/setup.log" 2>&1
.venv/bin/duban demo >>"$WORK/setup.log" 2>&1
.venv/bin/duban serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "$BASE/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; echo "fuzz: the service did not start" >&2; exit 1; }
  sleep 0.2
done

token() {
  curl -fs -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"duban-demo\"}" |
    .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# werkzeug's access log, one line a request (the request line may be wrapped in ANSI colours)
ACCESS='/api/[^ ]* HTTP/1\.[01][^"]*" [0-9]{3} '
SERVER_ERROR='/api/[^ ]* HTTP/1\.[01][^"]*" 5[0-9]{2} '
requests_so_far() { grep -cE "$ACCESS" "$WORK/server.log" || true; }

STATUS=0
TOTAL_START=$(date +%s)
declare -A COUNTS
for USERNAME in admin xiayang_ll; do
  TOKEN="$(token "$USERNAME")"
  BEFORE=$(requests_so_far)
  START=$(date +%s)
  echo "== schemathesis as $USERNAME (${EXAMPLES} cases per operation${SECONDS_PER_TOKEN:+, repeated for ${SECONDS_PER_TOKEN}s}) =="
  # one worker: two hit a CPython 3.11 ast.parse race inside hypothesis; run in $WORK so its files go with it
  rc=0
  (cd "$WORK" && NO_COLOR=1 timeout "$TIMEOUT" "$ROOT/.venv-fuzz/bin/st" run "$BASE/api/v1/openapi.json" \
      --header "Authorization: Bearer $TOKEN" --workers 1 --checks "$CHECKS" \
      --max-examples "$EXAMPLES" "${BUDGET[@]}" --seed "$SEED" \
      --request-timeout 30 >"$WORK/st-$USERNAME.log" 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then
    STATUS=1
    [ "$rc" = 124 ] && echo "fuzz: schemathesis as $USERNAME did not finish within ${TIMEOUT}s (FUZZ_TIMEOUT)" >&2
  fi
  sed -n '/=== FAILURES ===/,$p' "$WORK/st-$USERNAME.log" | head -400
  sed -n '/^Test Phases:/,$p' "$WORK/st-$USERNAME.log"
  COUNTS[$USERNAME]=$(( $(requests_so_far) - BEFORE ))
  echo "as $USERNAME: ${COUNTS[$USERNAME]} requests in $(( $(date +%s) - START ))s"
done

SERVER_ERRORS=$(grep -cE "$SERVER_ERROR" "$WORK/server.log" || true)
TOTAL=$(( COUNTS[admin] + COUNTS[xiayang_ll] ))
echo "fuzz: $TOTAL requests (admin ${COUNTS[admin]}, xiayang_ll ${COUNTS[xiayang_ll]}) in $(( $(date +%s) - TOTAL_START ))s;" \
  "server errors in the log: $SERVER_ERRORS"
if [ "$SERVER_ERRORS" -gt 0 ]; then
  grep -E "$SERVER_ERROR" "$WORK/server.log" | head -20
  grep -E 'ERROR|Traceback' "$WORK/server.log" | head -20
  STATUS=1
fi
if [ "$TOTAL" -lt 2000 ]; then
  echo "fuzz: fewer than 2,000 requests — raise FUZZ_EXAMPLES or set FUZZ_SECONDS" >&2
  STATUS=1
fi
[ "$STATUS" -eq 0 ] && echo "fuzz: OK — 0 server errors, 0 schema failures" || echo "fuzz: FAILED" >&2
exit "$STATUS"
