#!/usr/bin/env bash
# Provides CoreDNS, one pinned version, and prints its path.
#
# The test bed's cluster DNS: CoreDNS runs as pods behind the kube-dns Service, as kubeadm deploys
# it, and forwards to the bed's BIND servers. It is a test-only component that never leaves the
# machine (see SECURITY.md). Its default plugin set includes kubernetes, forward, cache,
# loadbalance, health and ready.
set -euo pipefail
VERSION="${FQDN_COREDNS_VERSION:-v1.15.0}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" coredns github.com/coredns/coredns \
  "$VERSION" github.com/coredns/coredns \
  "-X github.com/coredns/coredns/coremain.GitCommit=$VERSION"
