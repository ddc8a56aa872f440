#!/usr/bin/env bash
# The whole test suite, in two legs:
#   1. SQLite:     .venv/bin/python -m pytest -m "not postgres" "$@"   (DUBAN_TEST_DATABASE_URL unset)
#   2. PostgreSQL: scripts/with-postgres.sh .venv/bin/python -m pytest "$@"   (throwaway cluster)
# Extra arguments go to pytest in both legs (a -m of yours replaces the SQLite leg's -m).
# The legs run at the same time (one per core); each writes its output to test-artifacts/<leg>.log and its
# junit to test-artifacts/junit-<leg>.xml, and the output is printed whole once that leg ends.
# Exit code: 0 only if every leg that ran passed. pytest's exit 5 (no tests collected) is a failure.
# If PostgreSQL cannot be provided: with CI=true that fails the run; otherwise the leg is reported
# as SKIPPED-LEG and the SQLite leg's result is returned.
# Env: DUBAN_TEST_LEGS="sqlite postgres" (default) to choose legs; DUBAN_TEST_PARALLEL=0 runs them one after
# the other with the output shown as it comes (still logged); DUBAN_TEST_FAST=1 leaves out the tests marked
# `slow` (long histories, kill -9 and races; CI runs them: a developer's quick check, -m "not slow" in both
# legs); DUBAN_TEST_ONCE="PATH=LEG ..." runs the tests under PATH (a file, a directory, a test id) in that
# leg only and deselects them in the other — e.g. "tests/crash=postgres tests/integration/test_long_histories.py=sqlite".
# Default "tests/browser=sqlite": the browser tests drive the pages, whose use cases the other tests run on
# both databases, so they run once (set DUBAN_TEST_ONCE="" to run everything in both legs); DUBAN_TEST_DRY_RUN=1 prints the commands instead of running
# them (also skips setup).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EX_NO_POSTGRES=97   # scripts/with-postgres.sh: could not provide PostgreSQL, command not run
LEGS="${DUBAN_TEST_LEGS:-sqlite postgres}"
DRY="${DUBAN_TEST_DRY_RUN:-0}"
ART="$ROOT/test-artifacts"
PY=.venv/bin/python

say() { echo "[test] $*"; }
run() { if [ "$DRY" = 1 ]; then echo "[dry-run] $*"; return "${DUBAN_TEST_DRY_RC:-0}"; fi; "$@"; }

if [ "$DRY" != 1 ]; then
  bash scripts/setup.sh || { say "setup.sh failed"; exit 1; }
fi
mkdir -p "$ART"

# "N passed, N failed, N skipped" for a junit xml file, or "" if it is missing/unreadable.
counts() {
  [ -f "$1" ] || return 0
  "$PY" - "$1" <<'PYEOF' 2>/dev/null || true
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = e = s = 0
for su in suites:
    t += int(su.get("tests", 0)); f += int(su.get("failures", 0))
    e += int(su.get("errors", 0)); s += int(su.get("skipped", 0))
print(f"{t - f - e - s} {f + e} {s}")
PYEOF
}

declare -a SUMMARY=()
OVERALL=0
TOTAL_P=0; TOTAL_F=0; TOTAL_S=0

record() {  # record LEG RC JUNIT
  local leg="$1" rc="$2" junit="$3" c status
  c="$(counts "$junit")"
  if [ -n "$c" ]; then
    read -r p f s <<<"$c"
    TOTAL_P=$((TOTAL_P + p)); TOTAL_F=$((TOTAL_F + f)); TOTAL_S=$((TOTAL_S + s))
    c=" ($p passed, $f failed, $s skipped)"
  fi
  case "$rc" in
    0) status="PASSED" ;;
    5) status="FAILED (pytest exit 5: no tests collected)" ;;
    *) status="FAILED (exit $rc)" ;;
  esac
  [ "$rc" = 0 ] || OVERALL=1
  SUMMARY+=("$leg leg: $status$c")
}

name_of() { case "$1" in sqlite) echo SQLite ;; postgres) echo PostgreSQL ;; esac; }

for leg in $LEGS; do
  case "$leg" in sqlite|postgres) ;; *) say "unknown leg '$leg' in DUBAN_TEST_LEGS"; exit 2 ;; esac
done

SQLITE_MARK="not postgres"; PG_MARK=()
if [ "${DUBAN_TEST_FAST:-0}" = 1 ]; then
  SQLITE_MARK="not postgres and not slow"; PG_MARK=(-m "not slow")
  say "DUBAN_TEST_FAST=1: the tests marked slow are left out"
fi

# When the legs run at once they take the heavy tests in different orders (tests/conftest.py): one leg's
# kill -9 loads (tests/crash, several cores) then meet the other's long histories (one core) or light tests.
SQLITE_FIRST="tests/crash tests/integration/test_long_histories.py"; SQLITE_LAST=""
PG_FIRST="tests/integration/test_long_histories.py"; PG_LAST="tests/crash"

# DUBAN_TEST_ONCE: the --deselect options of each leg.
declare -A ONCE_ARGS=([sqlite]="" [postgres]="")
for entry in ${DUBAN_TEST_ONCE-tests/browser=sqlite}; do
  path="${entry%=*}"; only="${entry##*=}"
  case "$only" in sqlite|postgres) ;; *) say "DUBAN_TEST_ONCE: '$entry' is not PATH=sqlite or PATH=postgres"; exit 2 ;; esac
  [ "$path" != "$entry" ] && [ -e "${path%%::*}" ] || { say "DUBAN_TEST_ONCE: no such test path in '$entry'"; exit 2; }
  for leg in sqlite postgres; do [ "$leg" = "$only" ] || ONCE_ARGS[$leg]+=" --deselect=$path"; done
  say "DUBAN_TEST_ONCE: $path runs in the $(name_of "$only") leg only"
done
SQLITE_ONCE=(${ONCE_ARGS[sqlite]}); PG_ONCE=(${ONCE_ARGS[postgres]})

declare -A PID=() RC=() T0=() TOOK=()
start_leg() {  # start_leg LEG ARGS...: in the background, output to test-artifacts/LEG.log
  local leg="$1"; shift
  local junit="$ART/junit-$leg.xml" log="$ART/$leg.log"
  rm -f "$junit"
  T0[$leg]=$SECONDS
  case "$leg" in
    sqlite) env -u DUBAN_TEST_DATABASE_URL -u DUBAN_TEST_POSTGRES_URL \
      DUBAN_TEST_FIRST="${DUBAN_TEST_FIRST-$SQLITE_FIRST}" DUBAN_TEST_LAST="${DUBAN_TEST_LAST-$SQLITE_LAST}" \
      "$PY" -m pytest -m "$SQLITE_MARK" "${SQLITE_ONCE[@]}" --junitxml="$junit" "$@" >"$log" 2>&1 </dev/null & ;;
    postgres) DUBAN_TEST_ARTIFACTS="$ART/postgres" \
      DUBAN_TEST_FIRST="${DUBAN_TEST_FIRST-$PG_FIRST}" DUBAN_TEST_LAST="${DUBAN_TEST_LAST-$PG_LAST}" \
      bash scripts/with-postgres.sh "$PY" -m pytest "${PG_MARK[@]}" "${PG_ONCE[@]}" --junitxml="$junit" "$@" >"$log" 2>&1 </dev/null & ;;
  esac
  PID[$leg]=$!
  say "$(name_of "$leg") leg started (pid ${PID[$leg]}; output in ${log#"$ROOT"/})"
}
run_leg_here() {  # run_leg_here LEG ARGS...: in the foreground, output shown and logged
  local leg="$1"; shift
  local junit="$ART/junit-$leg.xml" log="$ART/$leg.log"
  rm -f "$junit"
  say "=== $(name_of "$leg") leg ==="
  T0[$leg]=$SECONDS
  case "$leg" in
    sqlite) run env -u DUBAN_TEST_DATABASE_URL -u DUBAN_TEST_POSTGRES_URL \
      "$PY" -m pytest -m "$SQLITE_MARK" "${SQLITE_ONCE[@]}" --junitxml="$junit" "$@" 2>&1 | tee "$log" ;;
    postgres) DUBAN_TEST_ARTIFACTS="$ART/postgres" \
      run bash scripts/with-postgres.sh "$PY" -m pytest "${PG_MARK[@]}" "${PG_ONCE[@]}" --junitxml="$junit" "$@" 2>&1 | tee "$log" ;;
  esac
  RC[$leg]=${PIPESTATUS[0]}
  TOOK[$leg]=$((SECONDS - T0[$leg]))
}
show_leg() {  # the whole output of a leg that ended, between two rulers
  local leg="$1" log="$ART/$1.log"
  echo
  say "=============== $(name_of "$leg") leg output (${log#"$ROOT"/}) ==============="
  cat "$log"
  say "=============== end of $(name_of "$leg") leg: exit ${RC[$leg]} after ${TOOK[$leg]}s ==============="
}
stop_legs() {  # Ctrl-C / TERM: background jobs of a script ignore SIGINT, so pass a TERM on to each leg
  local pid
  for pid in "${PID[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PID[@]}"; do wait "$pid" 2>/dev/null; done
  say "interrupted"
  exit "$1"
}

read -r -a LEG_LIST <<<"$LEGS"
if [ "$DRY" = 1 ] || [ "${DUBAN_TEST_PARALLEL:-1}" = 0 ] || [ "${#LEG_LIST[@]}" -lt 2 ]; then
  for leg in "${LEG_LIST[@]}"; do run_leg_here "$leg" "$@"; done
else
  trap 'stop_legs 130' INT
  trap 'stop_legs 143' TERM
  say "running the ${#LEG_LIST[@]} legs at the same time: ${LEGS}"
  for leg in "${LEG_LIST[@]}"; do start_leg "$leg" "$@"; done
  left=${#LEG_LIST[@]}
  while [ "$left" -gt 0 ]; do
    done_pid=""
    wait -n -p done_pid "${PID[@]}"
    rc=$?
    [ -n "$done_pid" ] || continue  # a trapped signal interrupted the wait
    for leg in "${!PID[@]}"; do
      if [ "${PID[$leg]}" = "$done_pid" ]; then
        RC[$leg]=$rc; TOOK[$leg]=$((SECONDS - T0[$leg])); unset "PID[$leg]"; show_leg "$leg"
      fi
    done
    left=$((left - 1))
  done
  trap - INT TERM
fi

for leg in "${LEG_LIST[@]}"; do
  junit="$ART/junit-$leg.xml"; rc="${RC[$leg]}"
  case "$leg" in
    sqlite)
      record "SQLite" "$rc" "$junit"
      SUMMARY[-1]+=" in ${TOOK[$leg]}s"
      ;;
    postgres)
      if [ "$rc" = "$EX_NO_POSTGRES" ]; then
        if [ "${CI:-}" = true ]; then
          SUMMARY+=("PostgreSQL leg: FAILED (PostgreSQL could not be provided; required when CI=true)")
          OVERALL=1
        else
          SUMMARY+=("PostgreSQL leg: SKIPPED-LEG — PostgreSQL could not be provided (install Debian 'postgresql'); NOT tested on PostgreSQL")
        fi
      else
        record "PostgreSQL" "$rc" "$junit"
        SUMMARY[-1]+=" in ${TOOK[$leg]}s"
      fi
      ;;
  esac
done

echo
say "================ summary ================"
for line in "${SUMMARY[@]}"; do say "$line"; done
if [ "$DRY" != 1 ]; then
  # Plain totals line over all legs (a test that ran in both legs counts twice); left out when a leg
  # failed without failing tests (collection error, no tests, ...) so it never reads as a clean run.
  if [ "$OVERALL" = 0 ] || [ "$TOTAL_F" -gt 0 ]; then
    echo "total: $TOTAL_P passed, $TOTAL_F failed, $TOTAL_S skipped"
  fi
fi
[ "$OVERALL" = 0 ] && say "RESULT: OK" || say "RESULT: FAILED"
exit "$OVERALL"
