#!/usr/bin/env bash
# Idempotent developer/CI setup for duban.
#   - creates .venv with a Python >= 3.11 if it is missing (or broken),
#   - pip install -e '.[dev]' when pyproject.toml changed since the last install,
#   - npm ci (npm install when there is no lock) when node_modules is missing or the lock changed,
#   - esbuild bundles the admin pages' scripts (scripts/build-assets.sh) when they or the lock changed.
# Safe to run repeatedly; a no-op run takes well under a second.
# Env: PYTHON=/path/to/python3 to choose the interpreter; DUBAN_SETUP_FORCE=1 to reinstall everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "[setup] $*" >&2; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

sha() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# Serialise concurrent runs on the same checkout (several engineers/tools may call this at once).
if command -v flock >/dev/null 2>&1; then
  LOCK="${TMPDIR:-/tmp}/duban-setup-$(echo "$ROOT" | sha256sum | cut -c1-12).lock"
  exec 9>"$LOCK"
  flock 9
fi

FORCE="${DUBAN_SETUP_FORCE:-0}"

# ---------------------------------------------------------------- Python venv
py_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }

if [ ! -x .venv/bin/python ] || ! py_ok .venv/bin/python; then
  PY=""
  for cand in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && py_ok "$cand"; then PY="$(command -v "$cand")"; break; fi
  done
  [ -n "$PY" ] || die "no Python >= 3.11 found (set PYTHON=/path/to/python3.11)"
  log "creating .venv with $PY ($("$PY" --version 2>&1))"
  rm -rf .venv
  if ! "$PY" -m venv .venv; then
    # Debian's system python needs python3-venv for ensurepip.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "python venv module unusable; installing python3-venv"
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3-venv >/dev/null
      rm -rf .venv
      "$PY" -m venv .venv
    else
      die "'$PY -m venv' failed (on Debian: apt-get install python3-venv)"
    fi
  fi
fi

PY_STAMP=.venv/.duban-install.sha256
py_want="$(sha pyproject.toml)-$(.venv/bin/python -c 'import sys; print(sys.version)' | head -1)"
if [ "$FORCE" = 1 ] || [ ! -x .venv/bin/duban ] || [ "$(cat "$PY_STAMP" 2>/dev/null)" != "$py_want" ]; then
  log "pip install -e '.[dev]'"
  t0=$SECONDS
  PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$py_want" >"$PY_STAMP"
  log "python deps installed in $((SECONDS - t0))s"
else
  log "python deps up to date"
fi

# ---------------------------------------------------------------- npm packages
if [ -f package.json ]; then
  command -v npm >/dev/null 2>&1 || die "npm not found (on Debian: apt-get install npm)"
  NPM_STAMP=node_modules/.duban-lock.sha256
  if [ ! -f package-lock.json ]; then
    log "no package-lock.json: npm install (commit the new package-lock.json)"
    npm install --no-audit --no-fund --loglevel=error
    sha package.json package-lock.json >"$NPM_STAMP"
  else
    npm_want="$(sha package.json package-lock.json)"
    if [ "$FORCE" = 1 ] || [ ! -d node_modules ] || [ "$(cat "$NPM_STAMP" 2>/dev/null)" != "$npm_want" ]; then
      log "npm ci"
      t0=$SECONDS
      npm ci --no-audit --no-fund --loglevel=error
      echo "$npm_want" >"$NPM_STAMP"
      log "npm packages installed in $((SECONDS - t0))s"
    else
      log "npm packages up to date"
    fi
  fi
fi

# ---------------------------------------------------------------- page bundles (the modeler pages)
if [ -f package.json ]; then
  bash scripts/build-assets.sh
fi
