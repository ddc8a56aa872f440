#!/usr/bin/env bash
# Bundle the admin pages' scripts (service/web/assets/*.js, ES modules importing bpmn-js, the properties
# panel and form-js from node_modules) into service/web/static/build/ with esbuild. No CDN, no inline
# script: the pages load the bundles from this site. Skipped when neither the sources nor the npm lock
# changed since the last build (scripts/setup.sh calls it; DUBAN_SETUP_FORCE=1 rebuilds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=service/web/static/build
STAMP="$OUT/.duban-build.sha256"
want="$( (cat package-lock.json; find service/web/assets -name '*.js' -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)"
if [ "${DUBAN_SETUP_FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "[setup] page bundles up to date" >&2
  exit 0
fi
[ -x node_modules/.bin/esbuild ] || { echo "[setup] ERROR: node_modules/.bin/esbuild missing (npm ci)" >&2; exit 1; }
mkdir -p "$OUT"
node_modules/.bin/esbuild service/web/assets/*.js --bundle --format=iife --target=es2020 --minify \
  --sourcemap --legal-comments=linked --log-level=warning --outdir="$OUT"
echo "$want" >"$STAMP"
echo "[setup] page bundles built in $OUT" >&2
