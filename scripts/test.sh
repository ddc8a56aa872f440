#!/usr/bin/env bash
# The whole test suite, in two legs:
#   1. SQLite:     .venv/bin/python -m pytest -m "not postgres" "$@"   (DUBAN_TEST_DATABASE_URL unset)
#   2. PostgreSQL: scripts/with-postgres.sh .venv/bin/python -m pytest "$@"   (throwaway cluster)
# Extra arguments go to pytest in both legs (a -m of yours replaces the SQLite leg's -m).
# Exit code: 0 only if every leg that ran passed. pytest's exit 5 (no tests collected) is a failure.
# If PostgreSQL cannot be provided: with CI=true that fails the run; otherwise the leg is reported
# as SKIPPED-LEG and the SQLite leg's result is returned.
# Env: DUBAN_TEST_LEGS="sqlite postgres" (default) to choose legs; DUBAN_TEST_DRY_RUN=1 prints the
# commands instead of running them (also skips setup).
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

for leg in $LEGS; do
  junit="$ART/junit-$leg.xml"
  rm -f "$junit"
  case "$leg" in
    sqlite)
      say "=== SQLite leg ==="
      t0=$SECONDS
      run env -u DUBAN_TEST_DATABASE_URL -u DUBAN_TEST_POSTGRES_URL \
        "$PY" -m pytest -m "not postgres" --junitxml="$junit" "$@"
      rc=$?
      record "SQLite" "$rc" "$junit"
      SUMMARY[-1]+=" in $((SECONDS - t0))s"
      ;;
    postgres)
      say "=== PostgreSQL leg ==="
      t0=$SECONDS
      run bash scripts/with-postgres.sh "$PY" -m pytest --junitxml="$junit" "$@"
      rc=$?
      if [ "$rc" = "$EX_NO_POSTGRES" ]; then
        if [ "${CI:-}" = true ]; then
          SUMMARY+=("PostgreSQL leg: FAILED (PostgreSQL could not be provided; required when CI=true)")
          OVERALL=1
        else
          SUMMARY+=("PostgreSQL leg: SKIPPED-LEG — PostgreSQL could not be provided (install Debian 'postgresql'); NOT tested on PostgreSQL")
        fi
      else
        record "PostgreSQL" "$rc" "$junit"
        SUMMARY[-1]+=" in $((SECONDS - t0))s"
      fi
      ;;
    *) say "unknown leg '$leg' in DUBAN_TEST_LEGS"; exit 2 ;;
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
