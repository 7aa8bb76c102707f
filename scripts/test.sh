#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: picks a JDK >= 21, then unit tests, the
# integration tests on the local test bed (a Kubernetes control plane and one node that runs pods
# and enforces NetworkPolicies, BIND, the project's image; built or installed on first use by
# scripts/testbed.sh up --node, which needs root) and the formatting check. Extra arguments go to
# Maven.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=lib/java.sh
source scripts/lib/java.sh
echo "test: using $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1) from $JAVA_HOME" >&2
# Start the bed up front, so that its first-time build (many minutes) shows as a step of its
# own; the integration tests reuse it, and it is stopped whatever their outcome. When no bed runs
# yet, it comes up plain first and is then restarted with its node: the path of a developer who
# ran `scripts/testbed.sh up` before, which must keep working.
if ! scripts/testbed.sh status >/dev/null 2>&1; then
  scripts/testbed.sh up
fi
scripts/testbed.sh up --node
trap 'scripts/testbed.sh down' EXIT
./mvnw -B verify "$@"
