#!/usr/bin/env bash
# Provides the Prometheus Pushgateway of the test bed, one pinned version, and prints its path.
set -euo pipefail
VERSION="${FQDN_PUSHGATEWAY_VERSION:-v1.11.1}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" pushgateway github.com/prometheus/pushgateway \
  "$VERSION" github.com/prometheus/pushgateway
