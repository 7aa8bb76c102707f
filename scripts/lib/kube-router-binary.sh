#!/usr/bin/env bash
# Provides kube-router, one pinned version, and prints its path.
#
# The test bed's node runs only kube-router's firewall controller, as the NetworkPolicy
# enforcer: a real implementation of networking.k8s.io/v1 NetworkPolicy on iptables and ipset.
# It is a test-only component that never leaves the machine (see SECURITY.md). v2.1.0 is pinned
# because it is the release the Go module proxy serves here.
set -euo pipefail
VERSION="${FQDN_KUBE_ROUTER_VERSION:-v2.1.0}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" kube-router github.com/cloudnativelabs/kube-router/v2 \
  "$VERSION" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router \
  "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$VERSION"
