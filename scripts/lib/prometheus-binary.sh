#!/usr/bin/env bash
# Provides promtool of one pinned Prometheus version, and prints its path. The test suite runs
# `promtool test rules` over the alerting rules of kustomize/components/monitoring.
#
# Prometheus tags its Go module v0.3MM.P for release v3.MM.P. The first build downloads and compiles
# Prometheus's dependencies (service discovery included) and takes several minutes; the binary is
# cached like the bed's other tools (scripts/lib/go-binary.sh).
set -euo pipefail
VERSION="${FQDN_PROMETHEUS_VERSION:-v0.316.0}"
release="3.${VERSION#v0.3}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" promtool github.com/prometheus/prometheus \
  "$VERSION" github.com/prometheus/prometheus/cmd/promtool \
  "-X github.com/prometheus/common/version.Version=$release"
