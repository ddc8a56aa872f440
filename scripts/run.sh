#!/usr/bin/env bash
# Run the service locally: set up, migrate the database, load the demo data, serve.
# Env: HOST (default 127.0.0.1), PORT (default 5000); the database is whatever `duban` is configured for.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
# Demo mode: the demo logins work with the demo password (off elsewhere: first sign-in must change it).
export DUBAN_DEMO_MODE="${DUBAN_DEMO_MODE:-1}"
.venv/bin/duban db upgrade
.venv/bin/duban demo
exec .venv/bin/duban serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
