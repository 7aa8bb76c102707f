#!/usr/bin/env bash
# Provides etcd, kube-apiserver, kube-controller-manager and kubectl of one pinned Kubernetes
# version, and prints the folder that holds them. With --node, also kubelet, kube-proxy and
# kube-scheduler (the test bed's node), always built from the same Kubernetes modules.
#
# Sources, in order:
#   1. $KUBEBUILDER_ASSETS (an envtest folder), when it holds the binaries;
#   2. the envtest release archive (etcd, kube-apiserver, kubectl), skipped quickly offline;
#   3. a build from Go modules with the machine's Go toolchain.
# kube-controller-manager is not part of envtest bundles, so it is built from Go modules whenever
# the chosen folder lacks it. Results are cached by version outside the work tree.
set -euo pipefail

K8S_VERSION="${FQDN_K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${FQDN_ETCD_VERSION:-v3.6.5}"
CACHE_ROOT="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
BIN_DIR="$CACHE_ROOT/k8s/$K8S_VERSION/bin"
ENVTEST_URL="https://github.com/kubernetes-sigs/controller-tools/releases/download/envtest-${K8S_VERSION%.*}.0/envtest-${K8S_VERSION%.*}.0-linux-amd64.tar.gz"

log() { printf 'k8s-binaries: %s\n' "$*" >&2; }

CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kubectl)
NODE=(kubelet kube-proxy kube-scheduler)
WANTED=("${CONTROL_PLANE[@]}")
if [ "${1:-}" = --node ]; then
  WANTED+=("${NODE[@]}")
fi

have_all() {
  local dir=$1 b
  for b in "${WANTED[@]}"; do
    [ -x "$dir/$b" ] || return 1
  done
}

copy_from() {
  local src=$1 b
  for b in etcd kube-apiserver kubectl kube-controller-manager; do
    if [ -x "$src/$b" ] && [ ! -x "$BIN_DIR/$b" ]; then
      cp "$src/$b" "$BIN_DIR/$b.tmp" && mv "$BIN_DIR/$b.tmp" "$BIN_DIR/$b"
    fi
  done
}

try_envtest_download() {
  command -v curl >/dev/null || return 1
  local tmp
  tmp=$(mktemp -d)
  log "trying the envtest release archive"
  if curl -fsSL --connect-timeout 5 --max-time 120 -o "$tmp/envtest.tgz" "$ENVTEST_URL" 2>/dev/null \
      && tar -xzf "$tmp/envtest.tgz" -C "$tmp"; then
    local found
    found=$(dirname "$(find "$tmp" -name kube-apiserver -type f | head -n1)")
    [ -n "$found" ] && copy_from "$found"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  log "envtest archive not reachable; building from Go modules instead"
  return 1
}

# Writes a Go module that requires k8s.io/kubernetes and maps each staging module, which the
# kubernetes go.mod points at ./staging/src with version v0.0.0, to its published v0.X.Y tag.
prepare_k8s_module() {
  local dir=$1 staging_version="v0${K8S_VERSION#v1}" gomod
  mkdir -p "$dir"
  [ -f "$dir/.ready" ] && return 0
  (
    cd "$dir"
    rm -f go.mod go.sum
    go mod init fqdn-job.local/k8s-build >/dev/null 2>&1
    gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [ -f "$gomod" ] || { log "could not download k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
    go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
    sed -n '/^replace (/,/^)/p' "$gomod" | sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*#\1#p' \
      | while read -r mod; do go mod edit -replace="$mod=$mod@$staging_version"; done
    printf 'package main\n' >doc.go
    touch .ready
  )
}

build_k8s() {
  local dir="$CACHE_ROOT/k8s/$K8S_VERSION/src" ldflags name
  prepare_k8s_module "$dir"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  for name in "${WANTED[@]}"; do
    [ "$name" = etcd ] && continue
    [ -x "$BIN_DIR/$name" ] && continue
    log "building $name $K8S_VERSION from Go modules (first time only; many minutes on 2 cores)"
    (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" \
      -o "$BIN_DIR/$name.tmp" "k8s.io/kubernetes/cmd/$name") && mv "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  done
}

build_etcd() {
  [ -x "$BIN_DIR/etcd" ] && return 0
  local dir="$CACHE_ROOT/etcd/$ETCD_VERSION/src"
  mkdir -p "$dir"
  log "building etcd $ETCD_VERSION from Go modules"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init fqdn-job.local/etcd-build >/dev/null 2>&1
    go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    printf 'package main\n' >doc.go
    GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" go.etcd.io/etcd/server/v3
  ) && mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

main() {
  mkdir -p "$BIN_DIR"
  if have_all "$BIN_DIR"; then
    echo "$BIN_DIR"
    return 0
  fi
  # Builds started at the same time (test beds of two work trees) would write the same files;
  # the second waits for the first and then finds the binaries ready.
  exec 8>"$CACHE_ROOT/k8s/$K8S_VERSION/.provision.lock"
  if ! flock -n 8; then
    log "another process is providing the binaries; waiting for it"
    flock 8
  fi
  if have_all "$BIN_DIR"; then
    echo "$BIN_DIR"
    return 0
  fi
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ]; then
    log "using binaries from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    copy_from "$KUBEBUILDER_ASSETS"
  fi
  if [ ! -x "$BIN_DIR/kube-apiserver" ] && [ -z "${FQDN_NO_DOWNLOAD:-}" ]; then
    try_envtest_download || true
  fi
  command -v go >/dev/null || { log "Go toolchain not found; install Go or set KUBEBUILDER_ASSETS"; exit 1; }
  build_etcd
  build_k8s
  have_all "$BIN_DIR" || { log "missing binaries in $BIN_DIR"; exit 1; }
  echo "$BIN_DIR"
}

main
