#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short time each (default 5s).
# The committed corpora under */testdata/fuzz/ always run as plain tests too.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-5s}"
count=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== fuzz $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
    count=$((count + 1))
  done
done
echo "fuzzed $count targets for $fuzztime each"
