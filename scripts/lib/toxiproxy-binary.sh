#!/usr/bin/env bash
# Provides Toxiproxy's server for the test bed, one pinned version, and prints its path. Tests use
# it to put faults (stalls, latency, connection resets) between the job and the API server.
set -euo pipefail
VERSION="${FQDN_TOXIPROXY_VERSION:-v2.5.0}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" toxiproxy github.com/Shopify/toxiproxy/v2 \
  "$VERSION" github.com/Shopify/toxiproxy/v2/cmd/server
