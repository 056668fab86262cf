#!/usr/bin/env bash
# The one entry point for the browser tests (make e2e). It installs what is
# missing (Debian chromium, a CJK font, the pinned npm package), builds the server, starts
# it on a free loopback port with a temp data dir and --demo, hands the demo
# logins to the tests, runs them with node --test and stops the server.
set -euo pipefail
cd "$(dirname "$0")"
E2E="$PWD"
ROOT="$(cd .. && pwd)"

# Debian chromium, and a CJK font: without one Chromium draws every 字 as a
# box of another width, so the screenshots (make screenshots) show nothing
# and the layout checks (nothing scrolls sideways at 390 px) measure the
# wrong text. One apt-get for whatever is missing.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -n "$(fc-list :lang=zh 2>/dev/null || true)" ] || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  echo "e2e: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need[@]}"
fi

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/lighthouse ]; then
  # package-lock.json is committed; ci installs exactly it.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi

# Each run builds into its own temp dir and logs to its own file, so two
# runs on one machine (two engineers, or CI and a shell) never share a binary.
mkdir -p artifacts
BIN_DIR="$(mktemp -d)"
(cd "$ROOT" && go build -o "$BIN_DIR/fieldcheck" .)

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
DATA="$(mktemp -d)"
LOG="$E2E/artifacts/server-$$.log"
: > "$LOG"
"$BIN_DIR/fieldcheck" serve --addr "127.0.0.1:$PORT" --data "$DATA" --demo >"$LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$DATA" "$BIN_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "e2e: server exited:"; cat "$LOG"; exit 1; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "e2e: server did not come up"; cat "$LOG"; exit 1; }

# "demo login: <role> <username> <password>" lines → FC_LOGINS="role user pass;..."
FC_LOGINS="$(grep -o 'demo login: .*' "$LOG" | sed 's/^demo login: //' | paste -sd ';' -)"
if [ -z "$FC_LOGINS" ]; then echo "e2e: no demo logins printed"; cat "$LOG"; exit 1; fi
export FC_LOGINS
export FC_BASE="http://127.0.0.1:$PORT"
export FC_ARTIFACTS="$E2E/artifacts"
# Tests that need their own server (TLS) start this same binary.
export FC_BIN="$BIN_DIR/fieldcheck"

# "lighthouse" runs e2e/lighthouse.mjs (make lighthouse) instead of the tests.
if [ "${1:-}" = lighthouse ]; then node lighthouse.mjs; exit $?; fi

# Arguments pick test files (bash e2e/run.sh tests/agent.test.mjs); none runs all.
if [ "$#" -gt 0 ]; then FILES=("$@"); else FILES=(tests/*.test.mjs); fi
node --test --test-concurrency=1 --test-timeout=300000 "${FILES[@]}"
# What the whole run left in the server's log: no password, token or phone.
node loghygiene.mjs "$LOG"
