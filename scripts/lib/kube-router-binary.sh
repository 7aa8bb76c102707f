#!/usr/bin/env bash
# Provides the kube-router binary of one pinned version, built from Go modules with the machine's
# Go toolchain and cached outside the work tree, and prints its path.
#
# The test bed's node runs only kube-router's firewall controller, as the NetworkPolicy
# enforcer: a real implementation of networking.k8s.io/v1 NetworkPolicy on iptables and ipset.
# It is a test-only component that never leaves the machine (see SECURITY.md). v2.1.0 is pinned
# because it is the release the Go module proxy serves here.
set -euo pipefail

VERSION="${FQDN_KUBE_ROUTER_VERSION:-v2.1.0}"
CACHE_ROOT="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
DIR="$CACHE_ROOT/kube-router/$VERSION"
BIN="$DIR/bin/kube-router"

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "kube-router-binary: Go toolchain not found; install Go 1.21 or newer" >&2; exit 1; }
  echo "kube-router-binary: building kube-router $VERSION from Go modules (first time only)" >&2
  mkdir -p "$DIR/src" "$DIR/bin"
  exec 8>"$DIR/.build.lock"
  flock 8
  if [ ! -x "$BIN" ]; then
    (
      cd "$DIR/src"
      [ -f go.mod ] || go mod init fqdn-job.local/kube-router-build >/dev/null 2>&1
      go mod edit -require="github.com/cloudnativelabs/kube-router/v2@$VERSION"
      printf 'package main\n' >doc.go
      GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$VERSION" \
        -o "$BIN.tmp" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
    ) >&2
    mv "$BIN.tmp" "$BIN"
  fi
fi
echo "$BIN"
