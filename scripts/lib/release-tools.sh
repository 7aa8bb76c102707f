#!/usr/bin/env bash
# Provides the programs that check a release's image archive the way users take it in, and prints
# their paths, one a line: crane (scripts/lib/crane-binary.sh, built from Go modules) and skopeo
# (Debian's package, installed with apt-get when missing). Used by ReleaseIT.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
crane=$("$SCRIPT_DIR/crane-binary.sh")
if ! command -v skopeo >/dev/null; then
  echo "release-tools: installing skopeo (apt-get install skopeo)" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends skopeo >&2; then
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends skopeo >&2
  fi
fi
echo "$crane"
command -v skopeo
