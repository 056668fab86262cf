#!/usr/bin/env bash
# Installs what the Go tests need beyond Go itself, when missing, so that
# `make test` works on a fresh machine: Debian's nginx (cli/nginx_test.go runs
# contrib/nginx-fieldcheck.conf in front of the server) and openssl (the TLS
# browser test makes its certificate with it). The browser tests install
# chromium and their npm packages themselves (e2e/run.sh).
set -euo pipefail
need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${#need[@]}" -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi
