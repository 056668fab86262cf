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
# pdftotext reads the inspection summary PDF back (server/summary_test.go).
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ "${#need[@]}" -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi

# versitygw: a real S3 server for the photo-bucket tests (internal/s3test),
# installed once into $(go env GOPATH)/bin at a pinned release and reused.
VGW_VERSION=v1.8.0
GOBIN_DIR="$(go env GOPATH | cut -d: -f1)/bin"
if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$GOBIN_DIR/versitygw" ]; then
  echo "deps: installing versitygw $VGW_VERSION (once; a few minutes)"
  GOBIN="$GOBIN_DIR" go install "github.com/versity/versitygw/cmd/versitygw@$VGW_VERSION"
fi
