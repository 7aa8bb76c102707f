#!/bin/sh
# Creates the AOT cache of an unpacked distribution, DIST/lib/fqdn-job.aot, which bin/fqdn-job
# then uses on Java 25 or newer (JEP 483, 514, 515: classes loaded and linked ahead of time, plus
# method profiles). The cache holds what one training run of the job used; nothing leaves the
# machine during it:
#
#   render (default)  an offline `render --status` of the resources in kustomize/examples plus one
#                     resource carrying a status with addresses, so that retention, the address
#                     filter and the rendering of peers run too. DNS goes to a closed loopback
#                     port and is answered at once with "port unreachable".
#   run               a `run` against an API server address where nothing listens: it loads the
#                     Kubernetes client, retries, and fails (about 3 s). Closer to what a CronJob
#                     starts than `render`, but without the resources' processing.
#
# Usage: scripts/aot-train.sh [--workload render|run] [DIST]
#   DIST  an unpacked distribution (bin/fqdn-job, lib/*.jar). The cache is trained with the Java
#         that bin/fqdn-job picks there ($JAVA_HOME, else java on PATH), and only that JVM build
#         can use it: train where the job runs, with the runtime it runs on (the Dockerfile does
#         so on the runtime image).
#   With no DIST: packages the project when needed, unpacks target/fqdn-job-*-dist.tar.gz into
#   target/dist (replacing it) and trains with the project's JDK (scripts/lib/java.sh).
#
# A POSIX shell script: the image has busybox's sh, not bash. Besides the shell it runs cat,
# cut, date, dirname, du, grep, mktemp, mv, rm, sed and tail (and find and tar without DIST).
#
# Environment: FQDN_JOB_AOT_PORT, a loopback port where nothing listens, used as DNS server (UDP)
# and API server (TCP) address (default 9).
set -eu
root=$(cd "$(dirname -- "$0")/.." && pwd)

usage() {
  echo "usage: $0 [--workload render|run] [DIST]" >&2
  exit 2
}

workload=render
while [ $# -gt 0 ]; do
  case $1 in
    --workload)
      [ $# -ge 2 ] || usage
      workload=$2
      shift 2
      ;;
    --workload=*)
      workload=${1#*=}
      shift
      ;;
    -*) usage ;;
    *) break ;;
  esac
done
case $workload in
  render | run) ;;
  *) usage ;;
esac
[ $# -le 1 ] || usage

if [ $# -eq 1 ]; then
  dist=$(cd "$1" && pwd)
else
  # shellcheck source=lib/java.sh
  . "$root/scripts/lib/java.sh"
  set -- "$root"/target/fqdn-job-*-dist.tar.gz
  if [ $# -ne 1 ] || [ ! -f "$1" ] \
    || [ -n "$(find "$root/src/main" "$root/src/assembly" "$root/pom.xml" -newer "$1" -print -quit)" ]; then
    echo "aot-train: packaging (./mvnw package -DskipTests)" >&2
    (cd "$root" && ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package >&2)
    set -- "$root"/target/fqdn-job-*-dist.tar.gz
  fi
  rm -rf "$root/target/dist"
  mkdir -p "$root/target/dist"
  tar -xzf "$1" -C "$root/target/dist"
  dist=$(echo "$root"/target/dist/fqdn-job-*)
fi
launcher=$dist/bin/fqdn-job
[ -x "$launcher" ] || {
  echo "aot-train: $dist is not an unpacked distribution: no bin/fqdn-job" >&2
  exit 2
}

cache=$dist/lib/fqdn-job.aot
rm -f "$cache" "$cache.tmp" "$cache.tmp.config"

# The launcher only passes -XX:AOTCache to Java 25 or newer; older runtimes cannot train either.
version=$("$launcher" --version | sed -n 's/^Java \([0-9]*\).*/\1/p')
if [ -z "$version" ] || [ "$version" -lt 25 ]; then
  echo "aot-train: bin/fqdn-job runs on Java ${version:-unknown}; an AOT cache needs Java 25 or newer" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=${FQDN_JOB_AOT_PORT:-9}
case $workload in
  render)
    input=$work/training.yaml
    for file in "$root"/kustomize/examples/*.yaml; do
      if grep -q '^apiVersion: fqdn.konsole.is/' "$file"; then
        echo '---' >>"$input"
        cat "$file" >>"$input"
      fi
    done
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    cat >>"$input" <<YAML
---
# Addresses from an earlier run, kept through this run's failed lookups (retention), then filtered:
# link-local and, for the first rule, private addresses are removed.
apiVersion: fqdn.konsole.is/v1alpha1
kind: NetworkPolicy
metadata:
  name: aot-training
  namespace: training
  generation: 2
  labels: {app: training}
spec:
  podSelector: {matchLabels: {app: training}}
  enabledNetworkType: all
  blockPrivateIPs: true
  egress:
    - toFQDNS: [api.example.com, cdn.example.net]
      ports: [{protocol: TCP, port: 443}, {port: 8000, endPort: 8100, protocol: UDP}]
    - toFQDNS: [db.example.org]
      blockPrivateIPs: false
status:
  fqdns:
    - fqdn: api.example.com
      lastSuccessfulTime: "$now"
      lastTransitionTime: "$now"
      resolveReason: SUCCESS
      addresses: [192.0.2.10/32, 198.51.100.7/32, 2001:db8::10/128, 10.1.2.3/32]
    - fqdn: cdn.example.net
      lastSuccessfulTime: "$now"
      lastTransitionTime: "$now"
      resolveReason: SUCCESS
      addresses: [203.0.113.5/32, 169.254.169.254/32]
    - fqdn: db.example.org
      lastSuccessfulTime: "$now"
      lastTransitionTime: "$now"
      resolveReason: SUCCESS
      addresses: [10.20.30.40/32]
  latestLookupTime: "$now"
  observedGeneration: 1
YAML
    set -- render --status -f "$input" --dns-server "127.0.0.1:$port"
    expected_exit=0
    expected_text='name: aot-training'
    ;;
  run)
    cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: {server: "https://127.0.0.1:$port", insecure-skip-tls-verify: true}
users:
  - name: training
    user: {token: not-a-token}
contexts:
  - name: training
    context: {cluster: nowhere, user: training}
current-context: training
YAML
    set -- run --kubeconfig "$work/kubeconfig" --all-namespaces --dns-server "127.0.0.1:$port"
    expected_exit=10 # run failed: nothing could be listed
    expected_text='list=failed exit=10'
    ;;
esac

echo "aot-train: training $cache on '$workload' with $("$launcher" --version | tail -n 1)" >&2
# The JVM writes the cache when the run ends: write it aside, move it in place only once it loads.
# The launcher splits its option variables on blanks, so the output path is relative to lib/
# rather than a path that might contain one.
status=0
(
  cd "$dist/lib"
  FQDN_JOB_JAVA_OPTS="${FQDN_JOB_JAVA_OPTS:-} -XX:AOTCacheOutput=fqdn-job.aot.tmp" \
    "$launcher" "$@" >"$work/out" 2>"$work/err"
) || status=$?
if [ "$status" -ne "$expected_exit" ] || ! grep -q -- "$expected_text" "$work/out" "$work/err"; then
  echo "aot-train: the training run did not go as expected (exit $status, expected $expected_exit):" >&2
  cat "$work/out" "$work/err" >&2
  exit 1
fi
[ -s "$cache.tmp" ] || {
  echo "aot-train: the JVM wrote no cache:" >&2
  cat "$work/out" "$work/err" >&2
  exit 1
}
rm -f "$cache.tmp.config"
mv "$cache.tmp" "$cache"
# -XX:AOTMode=on makes the JVM fail instead of carrying on without a cache it cannot map.
if ! FQDN_JOB_JAVA_OPTS="${FQDN_JOB_JAVA_OPTS:-} -XX:AOTMode=on" "$launcher" --version >/dev/null; then
  rm -f "$cache"
  echo "aot-train: the new cache does not load; removed it" >&2
  exit 1
fi
echo "aot-train: wrote $cache ($(du -h "$cache" | cut -f1))" >&2
