#!/usr/bin/env bash
# Provides the Prometheus Pushgateway binary of one pinned version, built from Go modules with the
# machine's Go toolchain and cached outside the work tree, and prints its path.
set -euo pipefail

VERSION="${FQDN_PUSHGATEWAY_VERSION:-v1.11.1}"
CACHE_ROOT="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
DIR="$CACHE_ROOT/pushgateway/$VERSION"
BIN="$DIR/bin/pushgateway"

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "pushgateway-binary: Go toolchain not found" >&2; exit 1; }
  echo "pushgateway-binary: building pushgateway $VERSION from Go modules (first time only)" >&2
  mkdir -p "$DIR/src" "$DIR/bin"
  (
    cd "$DIR/src"
    [ -f go.mod ] || go mod init fqdn-job.local/pushgateway-build >/dev/null 2>&1
    go mod edit -require="github.com/prometheus/pushgateway@$VERSION"
    printf 'package main\n' >doc.go
    # -require plus a build by package path avoids `go install pkg@version`, which also asks the
    # module proxy for the list of versions.
    GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" \
      github.com/prometheus/pushgateway
  ) >&2
  mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
