#!/usr/bin/env bash
# Provides one program of one pinned Go module version, built with the machine's Go toolchain and
# cached outside the work tree, and prints its path. Used for the test bed's components that are
# not part of Kubernetes itself (scripts/lib/k8s-binaries.sh builds those).
#
# Usage: scripts/lib/go-binary.sh NAME MODULE VERSION PACKAGE [LDFLAGS]
#   NAME     the program's name, and its folder in the cache: <cache>/NAME/VERSION/bin/NAME
#   MODULE   the Go module that holds it, e.g. github.com/prometheus/pushgateway
#   PACKAGE  the main package to build, e.g. github.com/prometheus/pushgateway
#   LDFLAGS  added to `-s -w`
# GO_BINARY_TAGS, when set, gives the build tags (e.g. remove_all_sd).
#
# The cache is $FQDN_CACHE_DIR, by default ~/.cache/fqdn-job. The go command checks every module
# against the Go checksum database. A lock keeps two builds of the same program apart.
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 NAME MODULE VERSION PACKAGE [LDFLAGS]" >&2; exit 2; }
name=$1 module=$2 version=$3 package=$4 ldflags=${5:-}
cache_root="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
dir="$cache_root/$name/$version"
bin="$dir/bin/$name"

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "go-binary: the Go toolchain is needed to build $name; install Go" >&2; exit 1; }
  mkdir -p "$dir/src" "$dir/bin"
  exec 8>"$dir/.build.lock"
  flock 8
  if [ ! -x "$bin" ]; then
    echo "go-binary: building $name $version from Go modules (first time only)" >&2
    (
      cd "$dir/src"
      [ -f go.mod ] || go mod init "fqdn-job.local/$name-build" >/dev/null 2>&1
      go mod edit -require="$module@$version"
      printf 'package main\n' >doc.go
      # -require plus a build by package path avoids `go install pkg@version`, which also asks
      # the module proxy for the list of versions.
      GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath ${GO_BINARY_TAGS:+-tags "$GO_BINARY_TAGS"} -ldflags "-s -w $ldflags" -o "$bin.tmp" "$package"
    ) >&2
    mv "$bin.tmp" "$bin"
  fi
fi
echo "$bin"
