#!/usr/bin/env bash
# Provides crane (go-containerregistry's registry client, with `crane registry serve`, a registry
# in memory) of one pinned version, built from Go modules, and prints its path. The release test
# (ReleaseIT) pushes a release's image archive with it into a registry on loopback.
set -euo pipefail
VERSION="${FQDN_CRANE_VERSION:-v0.21.9}"
exec "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh" crane github.com/google/go-containerregistry \
  "$VERSION" github.com/google/go-containerregistry/cmd/crane
