#!/usr/bin/env bash
# Benchmark of the run's lifecycle on the test bed (scripts/testbed.sh): how long the job takes
# to exit after SIGTERM in each phase of a run, and how often its loop runs. Every job is a
# separate process started from a distribution's bin/fqdn-job; the API server is reached through
# a Toxiproxy proxy of the bed's (latency or a stall for the job only), and a local UDP socket
# that reads DNS queries and never answers stands in for a DNS server that is down.
#
# Usage: scripts/lifecycle-bench.sh [options]
#   --dist DIR           the job to measure: an unpacked target/fqdn-job-*-dist.tar.gz (a folder
#                        holding bin/fqdn-job and lib/, or holding one such folder). Default: build
#                        (./mvnw -B -q -o package -DskipTests) and unpack target/'s tarball
#   --repeat R           runs of each scenario (default 3)
#   --resources N        resources of the list phase, over 3 namespaces (default 3000); the writes
#                        and repairs phases use one of those namespaces each (N/3)
#   --list-latency MS    latency the proxy adds to every response in the list phase (default 300)
#   --write-latency MS   latency in the writes and repairs phases (default 200)
#   --stall-cap S        longest wait for an exit after SIGTERM; a job still running then is
#                        reported as "> S" and killed with SIGKILL (default 200)
#   --loop-seconds S     how long each loop scenario runs before its SIGTERM (default 60)
#   --lookup-deadline D  the job's --lookup-deadline in loop-unresolvable (default 1s; a job that
#                        refuses it exits 2, which the scenario reports)
#   --trigger-timeout S  longest wait for the log line a SIGTERM scenario waits for; a job that
#                        never logs it is reported as an error and killed (default 120)
#   --only LIST          scenarios to run, comma-separated (default all): list, list-stalled,
#                        resolve, writes, repairs, loop-unresolvable, loop-ttl5
#   --java-opts OPTIONS  JVM options for the job ($JAVA_OPTS of bin/fqdn-job; default
#                        "-Xmx384m -XX:+UseSerialGC", the CronJob container's heap and collector)
#   --results FILE       copy results.json there
#
# Scenarios. The job runs `run --log-format text -v` with the bed's admin credentials through the
# proxy, scoped with -n to this benchmark's namespaces; SIGTERM is sent by the script (kill -TERM):
#   list              3 namespaces of N/3 resources, none due (written once beforehand, ttlSeconds
#                     1800), --list-latency on the proxy; SIGTERM at the first "resources listed
#                     so far" line
#   resolve           20 due resources (resolveTimeoutSeconds 30) whose names are asked of the
#                     silent DNS server only (--dns-server 127.0.0.1:PORT); SIGTERM 2 s after the
#                     first "resources listed so far" line
#   writes            N/3 resources, --force --status-refresh 0 (a status write each), names
#                     answered by the bed's BIND, --write-latency on the proxy; SIGTERM 2 s after
#                     the first "resources listed so far" line
#   repairs           N/3 resources not due whose generated NetworkPolicies were deleted just
#                     before (label app.kubernetes.io/managed-by=fqdn-job), --write-latency, no
#                     --force; SIGTERM 2 s after the first "Restored NetworkPolicy" line
#   list-stalled      the list phase's scope with the proxy stalled from the start (Toxiproxy
#                     timeout toxics, both directions), no --deadline, default --api-timeout;
#                     SIGTERM 2 s after the job's first API request (its -v line "first API
#                     request"; earlier, the JVM may still be starting and not handle SIGTERM yet)
#   loop-unresolvable run --loop over one resource (resolveTimeoutSeconds 10, ttlSeconds 60)
#                     whose name is asked of the silent DNS server, --lookup-deadline, for
#                     --loop-seconds; then SIGTERM
#   loop-ttl5         run --loop over one resource with ttlSeconds 5 whose name BIND answers,
#                     default --due-slack, for --loop-seconds; then SIGTERM
# Per SIGTERM run: seconds from the signal to the exit (the kernel's exit notification), the exit
# code, whether "run finished:" was logged (and the exit= it states), and what the job did after
# the signal: resource list pages that arrived after it (-v page lines), statuses,
# NetworkPolicies and Events of the scenario's namespaces written after it (resourceVersion above
# the store's revision read just before the signal), Events the API server refused as already
# recorded and API retries (-v lines), DNS queries (-v lines and queries reaching the silent
# server). "API requests after signal, at least" adds up pages, writes, refused Events and retries
# (NetworkPolicy list pages and failed requests leave no trace, hence "at least"). Per loop: "run finished:" lines and DNS queries per
# minute (the silent server's count; for loop-ttl5, the -v lines of A queries of its name).
#
# The bed must be running (scripts/testbed.sh status; $FQDN_TESTBED_DIR, by default
# target/testbed); it is left running. Work files go to target/lifecycle-bench/<run id>/
# (results.md, results.json, every job's log with the seconds since its start on each line).
# Namespaces (label fqdn-job.lifecycle-bench/run=<run id>), DNS names and the proxy are deleted on
# every exit.
set -euo pipefail
set +m

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/java.sh
source "$root/scripts/lib/java.sh"

dist=
repeat=3
resources=3000
list_latency=300
write_latency=200
stall_cap=200
loop_seconds=60
lookup_deadline=1s
trigger_timeout=120
only=list,resolve,writes,repairs,list-stalled,loop-unresolvable,loop-ttl5
java_opts="-Xmx384m -XX:+UseSerialGC"
results_copy=
command_line="scripts/lifecycle-bench.sh $*"

usage() {
  sed -n '8,67s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage 0 ;;
    --dist | --repeat | --resources | --list-latency | --write-latency | --stall-cap | --loop-seconds | --lookup-deadline | --trigger-timeout | --only | --java-opts | --results)
      [ $# -ge 2 ] || { echo "lifecycle-bench: $1 needs a value" >&2; usage; } ;;
    *) echo "lifecycle-bench: unknown option $1" >&2; usage ;;
  esac
  case $1 in
    --dist) dist=$2 ;;
    --repeat) repeat=$2 ;;
    --resources) resources=$2 ;;
    --list-latency) list_latency=$2 ;;
    --write-latency) write_latency=$2 ;;
    --stall-cap) stall_cap=$2 ;;
    --loop-seconds) loop_seconds=$2 ;;
    --lookup-deadline) lookup_deadline=$2 ;;
    --trigger-timeout) trigger_timeout=$2 ;;
    --only) only=$2 ;;
    --java-opts) java_opts=$2 ;;
    --results) results_copy=$2 ;;
  esac
  shift 2
done
for number in repeat resources list_latency write_latency stall_cap loop_seconds trigger_timeout; do
  [[ ${!number} =~ ^[0-9]+$ ]] && [ "${!number}" -gt 0 ] \
    || { echo "lifecycle-bench: --${number//_/-} must be a positive number" >&2; exit 2; }
done
[ "$resources" -ge 3 ] || { echo "lifecycle-bench: --resources must be at least 3" >&2; exit 2; }
for scenario in ${only//,/ }; do
  case $scenario in
    list | list-stalled | resolve | writes | repairs | loop-unresolvable | loop-ttl5) ;;
    *) echo "lifecycle-bench: --only takes list, list-stalled, resolve, writes, repairs, loop-unresolvable, loop-ttl5" >&2; exit 2 ;;
  esac
done

started_at=$SECONDS
log() { printf 'lifecycle-bench [%4ds]: %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

testbed=$root/scripts/testbed.sh
"$testbed" status >/dev/null 2>&1 || die "the test bed is not running (scripts/testbed.sh up; FQDN_TESTBED_DIR=${FQDN_TESTBED_DIR:-$root/target/testbed})"
eval "$("$testbed" env)"
[ -n "${FQDN_TESTBED_TOXIPROXY:-}" ] || die "the bed has no Toxiproxy (scripts/testbed.sh env prints no FQDN_TESTBED_TOXIPROXY)"
for tool in nsupdate python3; do
  command -v "$tool" >/dev/null || die "$tool is required (Debian: apt-get install bind9-dnsutils python3)"
done
# Toxiproxy's API and the bed are on loopback; a proxy from the environment must not be used.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
kubectl() { "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

run=lc$(python3 -c 'import secrets; print(secrets.token_hex(3))')
work=$root/target/lifecycle-bench/$run
mkdir -p "$work"
export KUBECACHEDIR=$work/kube-cache

measure_pid=
cleanup() {
  local rc=$?
  set +eu
  if [ -n "$measure_pid" ] && kill -0 "$measure_pid" 2>/dev/null; then
    # It kills the job processes it started, then exits.
    kill -TERM "$measure_pid"
    wait "$measure_pid"
  fi
  log "cleaning up: namespaces, DNS names and proxy of run $run"
  python3 "$root/scripts/lib/lifecycle_bench.py" cleanup --work "$work" --run "$run" \
    --kubectl "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" --toxiproxy "$FQDN_TESTBED_TOXIPROXY"
  rm -rf "$work/dist" "$work/kube-cache"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The job: a given distribution, or the one built from this tree.
if [ -z "$dist" ]; then
  log "building (./mvnw -B -q -o package -DskipTests)"
  (cd "$root" && ./mvnw -B -q -o package -DskipTests -Dspotless.check.skip=true >&2)
  tarball=$(ls "$root"/target/fqdn-job-*-dist.tar.gz 2>/dev/null | head -n1)
  [ -n "$tarball" ] || die "no target/fqdn-job-*-dist.tar.gz after the build"
  mkdir -p "$work/dist"
  tar -xzf "$tarball" -C "$work/dist"
  dist=$work/dist
fi
dist=$(cd "$dist" && pwd) || die "--dist $dist is not a folder"
if [ ! -x "$dist/bin/fqdn-job" ]; then
  inner=("$dist"/*/bin/fqdn-job)
  [ "${#inner[@]}" = 1 ] && [ -x "${inner[0]}" ] \
    || die "--dist $dist holds neither bin/fqdn-job nor one folder with bin/fqdn-job"
  dist=$(dirname "$(dirname "${inner[0]}")")
fi
log "run $run: job $dist ($("$dist/bin/fqdn-job" --version 2>/dev/null | head -n1)); work folder $work"

# In the background, so that a signal to this script is handled at once (see cleanup).
python3 "$root/scripts/lib/lifecycle_bench.py" measure --work "$work" --run "$run" \
  --kubectl "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" --toxiproxy "$FQDN_TESTBED_TOXIPROXY" \
  --dist "$dist" --api-server "$FQDN_TESTBED_API_SERVER" --ca "$FQDN_TESTBED_CA" \
  --admin-cert "$FQDN_TESTBED_DIR/pki/admin.crt" --admin-key "$FQDN_TESTBED_DIR/pki/admin.key" \
  --dns "$FQDN_TESTBED_DNS" --zone "$FQDN_TESTBED_ZONE" --repeat "$repeat" --resources "$resources" \
  --list-latency-ms "$list_latency" --write-latency-ms "$write_latency" --stall-cap "$stall_cap" \
  --loop-seconds "$loop_seconds" --lookup-deadline "$lookup_deadline" --phase-timeout "$trigger_timeout" --only "$only" --java-opts "$java_opts" --command "$command_line" &
measure_pid=$!
measure_rc=0
wait "$measure_pid" || measure_rc=$?
measure_pid=
[ "$measure_rc" = 0 ] || die "the measurements failed (exit $measure_rc); see the log above and $work"

[ -z "$results_copy" ] || cp "$work/results.json" "$results_copy"
log "done in $((SECONDS - started_at)) s: $work/results.md"
