#!/usr/bin/env bash
# Provides promtool of one pinned Prometheus version, and prints its path. The test suite runs
# `promtool test rules` over the alerting rules of kustomize/components/monitoring.
#
# Prometheus tags its Go module v0.3MM.P for release v3.MM.P. The build tag remove_all_sd leaves out
# the service discovery plugins (the clouds' SDKs), which promtool needs only to check scrape
# configurations; the rule tests need none. The first build still downloads Prometheus's module
# graph and compiles for minutes; the binary is cached like the bed's other tools
# (scripts/lib/go-binary.sh).
set -euo pipefail
export GO_BINARY_TAGS=remove_all_sd
VERSION="${FQDN_PROMETHEUS_VERSION:-v0.316.0}"
release="3.${VERSION#v0.3}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" promtool github.com/prometheus/prometheus \
  "$VERSION" github.com/prometheus/prometheus/cmd/promtool \
  "-X github.com/prometheus/common/version.Version=$release"
