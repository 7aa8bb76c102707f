#!/usr/bin/env bash
# Benchmark of fqdn-job on the test bed (scripts/testbed.sh): N resources, every scenario a
# separate job process started the way a CronJob starts it. See docs/performance.md.
#
# Usage: scripts/bench.sh [--resources N] [options]
#   --resources N        fqdn resources to create (default 1000), 5 names each from a pool of 2,000
#                        names served by the bed's BIND; sized for up to 100000
#   --namespaces K       namespaces they are spread over (default 20)
#   --pool N             names in the pool (default 2000, at most 16384)
#   --ttl S              the resources' ttlSeconds, 5 to 1800 (default 1800, the most the CRD
#                        allows: the idle runs must find nothing due, and on a loaded machine the
#                        runs before them take minutes)
#   --concurrency P      kubectl processes loading the resources (default 4)
#   --api-concurrency C  the job's --api-concurrency and the write baselines' (default: the job's, 8)
#   --heap OPTIONS       the job's heap and GC options (default "-Xmx384m -XX:+UseSerialGC
#                        -XX:+ExitOnOutOfMemoryError": what the JVM gets in the CronJob's container,
#                        -XX:MaxRAMPercentage=75 of its 512Mi memory limit, the serial collector
#                        below 1792 MB of memory, and the CronJob's exit on OutOfMemoryError)
#   --java-opts OPTIONS  more JVM options for every job process (e.g. -XX:StartFlightRecording)
#   --credentials KIND   how the job and the baselines authenticate: token (default; a
#                        ServiceAccount token with the project's ClusterRole, as in a pod) or
#                        admin (the bed's admin client certificate)
#   --only LIST          scenario groups to run after cold, comma-separated (default all):
#                        at-rest, churn, idle, aot (at rest with the AOT cache, and with C1 only)
#   --at-rest-jvm KIND   JVM flags of the repeated at-rest runs: plain (default), aot (the AOT
#                        cache) or aot-c1 (the cache and -XX:TieredStopAtLevel=1, as the image)
#   --repeat R           at-rest runs, each followed by a list-only baseline (default 3)
#   --idle-runs K        idle runs with and without the AOT cache (default 3)
#   --loop-minutes M     how long the loop scenario is measured after its first run (default 5)
#   --no-aot             skip the AOT cache training and the runs that use it
#   --no-baseline        skip every baseline
#   --no-write-baselines skip the write baselines (same writes as cold, N status applies); the
#                        default above 20,000 resources, where the cold one alone takes minutes
#   --write-baselines    run them at any size
#   --small              the small-cluster figures, as two runs of this script: 100 resources at
#                        rest 10 times with the image's flags (CPU per run) and then in --loop
#                        mode with ttlSeconds 60 (CPU per minute), and 1,000 resources at rest 3
#                        times with them (peak RSS); other options are passed on
#   --job-timeout S      stop a job or baseline process after S seconds (default 600 + N * 0.03)
#   --cleanup-wait S     at the end, wait at most S seconds for the namespaces to be deleted when
#                        the bed stays up (default 600); their deletion goes on in the background
#   --smoke              quick: no AOT cache, one at-rest and one idle run; exits 1 when a count
#                        check fails (the integration test BenchSmokeIT runs this)
#   --no-build           use target/ as it is (the jar, target/lib and target/test-classes)
#   --keep               keep the namespaces, the DNS names, and in the work folder the copy of
#                        the build and the AOT cache (results and logs are always kept)
#   --results FILE       copy results.json there
#
# Scenarios, in this order (the job never gets --status-refresh: its default applies):
#   cold       nothing applied yet: every NetworkPolicy is created (then, with write baselines,
#              the same writes sent by the simplest client)
#   at-rest    --force right after the previous run: every TTL ended, DNS unchanged, statuses
#              fresh; R times, each followed by the list-only baseline (a JVM of its own that lists
#              what the job lists with the same credentials, heap and JIT options and keeps
#              nothing), then with write baselines N status applies
#   churn-1    1 % of the pool's names answer with new addresses, --force
#   churn-10   another 10 %, --force
#   idle       one second after the previous run, nothing due, no --force; taking turns without
#              the AOT cache, with it, and with it and the C1 compiler only
#   aot        at rest with the AOT cache, and with the cache and C1 only
#   loop       only when asked for (--only ...,loop): the job as the loop overlay runs it (run
#              --loop, the image's flags: AOT cache, C1 only), one process waking whenever a
#              resource is due; its CPU and runs are counted over whole minutes after its first
#              run, so that the JVM's start is left out
# Each process runs under /usr/bin/time -v; before and after it the script reads BIND's
# statistics and the API server's /metrics. A job that dies (OutOfMemoryError, a non-zero exit,
# the timeout) is reported as such and the next scenario runs.
#
# scripts/bench.sh --rotation [options] is a benchmark of its own: names whose addresses rotate,
# measured from the pod's side on the bed's node (scripts/lib/rotation_bench.py; it starts the bed
# with --node when none runs, and leaves it running):
#   --pool P             server pods that accept TCP, whose addresses the name rotates over (12)
#   --subset S           addresses in each answer, chosen at random per BIND server (3)
#   --period R           seconds between two changes of the answer (20)
#   --ttl T              the records' TTL in seconds (30)
#   --minutes D          how long the clients run after the resources are created (10)
#   --configs LIST       reference, cluster-dns, readme, spread, follow (all, side by side)
#   --cadences LIST      cronjob (the shipped CronJob, a run a minute), loop (the loop Deployment)
#   --seed N             the rotation's random seed (1)
#   --keep               keep the namespaces
# Results: target/bench/rotation-<time>/results.md and results.json, with every client's log.
#
# The bed: when `scripts/testbed.sh status` says it runs ($FQDN_TESTBED_DIR, by default
# target/testbed) it is reused and left running; otherwise it is started and stopped at the end.
# Work files go to target/bench/<run id>/ (results.md, results.json, every log).
set -euo pipefail
set +m

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/java.sh
source "$root/scripts/lib/java.sh"

resources=1000
namespaces=20
pool=2000
ttl=
concurrency=4
api_concurrency=
heap="-Xmx384m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
java_opts=""
credentials=token
only=at-rest,churn,idle,aot
at_rest_jvm=plain
idle_runs=3
loop_minutes=5
repeat=3
aot=1
baseline=1
write_baselines=
small=0
job_timeout=
cleanup_wait=600
smoke=0
build=1
keep=0
results_copy=
forward=()

usage() {
  sed -n '5,85s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

if [ "${1:-}" = --rotation ]; then
  shift
  for arg in "$@"; do [ "$arg" = -h ] || [ "$arg" = --help ] && usage 0; done
  cd "$root"
  # The Java client's class file, mounted into its pods from a ConfigMap.
  ./mvnw -B -q test-compile -Dspotless.check.skip=true >&2
  scripts/testbed.sh status >/dev/null 2>&1 || scripts/testbed.sh up --node
  exec python3 "$root/scripts/lib/rotation_bench.py" --root "$root" \
    --work "$root/target/bench/rotation-$(date -u +%Y%m%dT%H%M%SZ)" \
    --class-file "$root/target/test-classes/io/fqdnjob/bench/JvmDnsClient.class" "$@"
fi

while [ $# -gt 0 ]; do
  [ "$1" = --small ] || [ "$1" = --resources ] || forward+=("$1")
  case $1 in
    --resources) resources=$2; shift 2; continue ;;
    --namespaces) namespaces=$2 ;;
    --pool) pool=$2 ;;
    --ttl) ttl=$2 ;;
    --concurrency) concurrency=$2 ;;
    --api-concurrency) api_concurrency=$2 ;;
    --heap) heap=$2 ;;
    --java-opts) java_opts=$2 ;;
    --credentials) credentials=$2 ;;
    --only) only=$2 ;;
    --at-rest-jvm) at_rest_jvm=$2 ;;
    --idle-runs) idle_runs=$2 ;;
    --loop-minutes) loop_minutes=$2 ;;
    --repeat) repeat=$2 ;;
    --job-timeout) job_timeout=$2 ;;
    --cleanup-wait) cleanup_wait=$2 ;;
    --results) results_copy=$2 ;;
    --no-aot) aot=0; shift; continue ;;
    --no-baseline) baseline=0; shift; continue ;;
    --no-write-baselines) write_baselines=0; shift; continue ;;
    --write-baselines) write_baselines=1; shift; continue ;;
    --small) small=1; shift; continue ;;
    --smoke) smoke=1; aot=0; idle_runs=1; repeat=1; shift; continue ;;
    --no-build) build=0; shift; continue ;;
    --keep) keep=1; shift; continue ;;
    -h | --help) usage 0 ;;
    *) echo "bench: unknown option $1" >&2; usage ;;
  esac
  # Options with a value.
  [ $# -ge 2 ] || { echo "bench: $1 needs a value" >&2; usage; }
  forward+=("$2")
  shift 2
done
for number in resources namespaces pool repeat idle_runs loop_minutes cleanup_wait ${job_timeout:+job_timeout} ${ttl:+ttl}; do
  [[ ${!number} =~ ^[0-9]+$ ]] || { echo "bench: --${number//_/-} must be a number" >&2; exit 2; }
done
[ "$resources" -gt 0 ] && [ "$namespaces" -gt 0 ] || { echo "bench: --resources and --namespaces must be positive" >&2; exit 2; }
[ "$pool" -le 16384 ] || { echo "bench: --pool must be at most 16384" >&2; exit 2; }
case $credentials in token | admin) ;; *) echo "bench: --credentials must be token or admin" >&2; exit 2 ;; esac
case $at_rest_jvm in plain | aot | aot-c1) ;; *) echo "bench: --at-rest-jvm must be plain, aot or aot-c1" >&2; exit 2 ;; esac
for group in ${only//,/ }; do
  case $group in cold | at-rest | churn | idle | aot | loop) ;; *) echo "bench: --only takes cold, at-rest, churn, idle, aot, loop" >&2; exit 2 ;; esac
done
[ "$aot" = 1 ] || [ "$at_rest_jvm" = plain ] || { echo "bench: --at-rest-jvm $at_rest_jvm needs the AOT cache (no --no-aot, no --smoke)" >&2; exit 2; }
# Above 20,000 resources the write baselines cost more than the runs they are compared with
# (the cold one sends 3 writes per resource: about 12 minutes at 100,000 on the machine of
# docs/performance.md).
[ -n "$write_baselines" ] || write_baselines=$([ "$resources" -le 20000 ] && echo 1 || echo 0)
[ "$baseline" = 1 ] || write_baselines=0
# A run of 100,000 resources lists for about a minute, a cold one writes for 15; a stuck process
# is stopped rather than waited for.
[ -n "$job_timeout" ] || job_timeout=$((600 + resources * 3 / 100))
# The idle runs measure nothing once the statuses written by the runs before them are due again:
# on a loaded machine a churn run and three rounds of idle runs at 10,000 resources took longer
# than 300 s; at 100,000 resources one run may.
[ -n "$ttl" ] || ttl=1800
[ "$ttl" -ge 5 ] && [ "$ttl" -le 1800 ] || { echo "bench: --ttl must be 5 to 1800 (the CRD's bounds)" >&2; exit 2; }
wants() { [[ ",$only," == *",$1,"* ]]; }

started_at=$SECONDS
log() { printf 'bench [%4ds]: %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

testbed=$root/scripts/testbed.sh

# ---------------------------------------------------------------------------------------------
# Small clusters: two runs of this script on one bed.

if [ "$small" = 1 ]; then
  small_stop_bed=0
  if ! "$testbed" status 2>/dev/null; then
    log "starting the test bed"
    "$testbed" up
    small_stop_bed=1
  fi
  small_rc=0
  # The later options win: those given on the command line come after these defaults.
  "${BASH_SOURCE[0]}" --resources 100 --only at-rest,loop --ttl 60 --at-rest-jvm aot-c1 --repeat 10 "${forward[@]}" \
    || small_rc=$?
  "${BASH_SOURCE[0]}" --resources 1000 --only at-rest --at-rest-jvm aot-c1 --repeat 3 --no-build "${forward[@]}" \
    || small_rc=$?
  [ "$small_stop_bed" = 0 ] || "$testbed" down
  log "small clusters done (exit $small_rc): see the two results.md above"
  exit "$small_rc"
fi

run=
work=
stop_bed=0

# wait_namespaces_gone SELECTOR SECONDS: waits until no namespace matches SELECTOR, logging
# progress every 30 s; returns 1 when some are left after SECONDS.
wait_namespaces_gone() {
  local selector=$1 limit=$2 waited_from=$SECONDS next_log=$((SECONDS + 30)) left
  while :; do
    left=$(kubectl get namespace -l "$selector" -o name 2>/dev/null | wc -l) || left=unknown
    [ "$left" = 0 ] && return 0
    [ $((SECONDS - waited_from)) -lt "$limit" ] || return 1
    if [ "$SECONDS" -ge "$next_log" ]; then
      log "waiting for $left namespaces ($selector) to be deleted: $((SECONDS - waited_from)) s so far, at most $limit s"
      next_log=$((SECONDS + 30))
    fi
    sleep 3
  done
}

# Runs on every exit: removes what this run created (unless --keep) and stops a bed it started.
cleanup() {
  local rc=$?
  set +eu
  if [ "$keep" = 0 ] && [ -n "$run" ]; then
    log "cleaning up: namespaces of run $run, its DNS names"
    kubectl delete namespace,clusterrole,clusterrolebinding -l "fqdn-job.bench/run=$run" \
      --wait=false >/dev/null 2>&1
    if [ -f "$work/workload.json" ]; then
      python3 "$root/scripts/lib/bench.py" dns-cleanup "$work" --dns-host "$dns_host" --dns-port "$dns_port" \
        && nsupdate -v "$work/dns-cleanup.txt" >/dev/null 2>&1
    fi
    rm -rf "$work/dist" "$work"/fqdn-job.aot*
    # The namespace controller deletes every object in them, one by one: minutes at 100,000
    # resources. A bed about to stop takes them with it; a bed left running goes on deleting.
    if [ "$stop_bed" = 0 ]; then
      local t=$SECONDS
      if wait_namespaces_gone "fqdn-job.bench/run=$run" "$cleanup_wait"; then
        log "namespaces of run $run deleted in $((SECONDS - t)) s"
      else
        log "namespaces of run $run still being deleted after $((SECONDS - t)) s; the bed goes on in the background (a next benchmark waits for it)"
      fi
    fi
  fi
  if [ "$stop_bed" = 1 ]; then "$testbed" down; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Build and bed

jar=$root/target/fqdn-job.jar
baseline_class=$root/target/test-classes/io/fqdnjob/bench/ApiBaseline.class
if [ "$build" = 1 ]; then
  if [ ! -f "$jar" ] || [ ! -f "$baseline_class" ] \
    || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit)" ] \
    || [ -n "$(find "$root/src/test" -newer "$baseline_class" -print -quit)" ]; then
    log "building (./mvnw package -DskipTests)"
    (cd "$root" && ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package >&2)
    # Maven leaves an up-to-date jar alone; mark both as built from the current sources.
    touch "$jar" "$baseline_class"
  fi
fi
[ -f "$jar" ] || die "$jar is missing; build with ./mvnw package"
[ -f "$baseline_class" ] || [ "$baseline" = 0 ] || die "$baseline_class is missing; build with ./mvnw test-compile"

if ! "$testbed" status 2>/dev/null; then
  log "starting the test bed"
  "$testbed" up
  stop_bed=1
fi
eval "$("$testbed" env)"

# GNU time reports the peak RSS; the bed brought nsupdate and dig (bind9-dnsutils).
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null; then
  log "installing GNU time with apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time) \
    >"$FQDN_TESTBED_DIR/logs/apt-get-time.log" 2>&1 || true
fi
for tool in curl nsupdate dig python3 timeout /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is required (Debian: apt-get install time bind9-dnsutils curl python3)"
done
pki=$FQDN_TESTBED_DIR/pki
dns_host=${FQDN_TESTBED_DNS%:*}
dns_port=${FQDN_TESTBED_DNS##*:}
kubectl() { "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

run=b$(python3 -c 'import secrets; print(secrets.token_hex(3))')
work=$root/target/bench/$run
mkdir -p "$work"
export KUBECACHEDIR=$work/kube-cache
# A copy of the build, so that rebuilding during a long run changes nothing (an AOT cache also
# requires the jars it was trained with, unchanged).
dist=$work/dist
mkdir -p "$dist/test-classes/io/fqdnjob"
cp "$jar" "$dist/"
cp -r "$root/target/lib" "$dist/lib"
[ ! -d "$root/target/test-classes/io/fqdnjob/bench" ] \
  || cp -r "$root/target/test-classes/io/fqdnjob/bench" "$dist/test-classes/io/fqdnjob/"
# Which job this is: the commit of the sources the jar was built from, "+changes" when src/main
# or pom.xml differ from it.
build_id=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$root" status --porcelain -- src/main pom.xml 2>/dev/null)" ] || build_id="$build_id+changes"
log "run $run: $resources resources, job $build_id; work folder $work"

# Namespaces of earlier benchmark runs would be listed by the job too (its NetworkPolicy list is
# cluster-wide) and their deletion would run in the background during the measurements.
leftovers=$(kubectl get namespace -l fqdn-job.bench/bench=true -o name 2>/dev/null || true)
if [ -n "$leftovers" ]; then
  log "deleting namespaces of earlier benchmark runs: $(echo "$leftovers" | wc -l)"
  kubectl delete namespace -l fqdn-job.bench/bench=true --wait=false >/dev/null
  wait_namespaces_gone fqdn-job.bench/bench=true 3600 \
    || die "namespaces of earlier benchmark runs are still being deleted after an hour"
fi
kubectl delete clusterrole,clusterrolebinding -l fqdn-job.bench/bench=true >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------
# Workload

python3 "$root/scripts/lib/bench.py" workload "$work" --resources "$resources" --pool "$pool" \
  --namespaces "$namespaces" --ttl "$ttl" --run "$run" --zone "$FQDN_TESTBED_ZONE" --dns-host "$dns_host" \
  --dns-port "$dns_port" >&2

t=$SECONDS
nsupdate -v "$work/dns-load.txt" || die "loading the DNS names failed"
first_name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["names"][0])' "$work/workload.json")
[ -n "$(dig -p "$dns_port" @"$dns_host" +short "$first_name" A)" ] || die "$first_name does not resolve after loading"
log "loaded $pool DNS names in $((SECONDS - t)) s"

t=$SECONDS
kubectl apply --server-side --field-manager=fqdn-bench -f "$work/namespaces.yaml" >/dev/null

# The job runs as in a pod: a ServiceAccount token with the project's ClusterRole (under a name of
# this run's own, so that other users of the bed keep theirs).
job_kubeconfig=$KUBECONFIG
if [ "$credentials" = token ]; then
  rbac=fqdn-job-bench-$run
  {
    sed "s/^  name: fqdn-job\$/  name: $rbac/" "$root/kustomize/base/clusterrole.yaml"
    cat <<EOF
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: fqdn-job, namespace: bench-$run-00}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: $rbac}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: $rbac}
subjects: [{kind: ServiceAccount, name: fqdn-job, namespace: bench-$run-00}]
EOF
  } >"$work/rbac.yaml"
  kubectl apply --server-side --field-manager=fqdn-bench -f "$work/rbac.yaml" >/dev/null
  kubectl label clusterrole,clusterrolebinding "$rbac" "fqdn-job.bench/run=$run" \
    fqdn-job.bench/bench=true >/dev/null
  # Long enough for a run of 100,000 resources.
  token=$(kubectl create token fqdn-job -n "bench-$run-00" --duration=12h)
  job_kubeconfig=$work/job.kubeconfig
  (
    umask 077
    cat >"$job_kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: bed, cluster: {server: "$FQDN_TESTBED_API_SERVER", certificate-authority: "$FQDN_TESTBED_CA"}}]
users: [{name: fqdn-job, user: {token: "$token"}}]
contexts: [{name: bed, context: {cluster: bed, user: fqdn-job}}]
current-context: bed
EOF
  )
fi
chunks=("$work"/resources/chunk-*.yaml)
log "creating $resources resources: ${#chunks[@]} files, $concurrency kubectl processes"
# Each kubectl process applies one file of 250 documents: one request per object over one
# connection, without a discovery round trip per object. A file not applied in 10 minutes means
# the bed is stuck.
progress_every=$((resources / 20 > 1000 ? resources / 20 : 1000))
if ! printf '%s\n' "${chunks[@]}" \
  | xargs -P "$concurrency" -I{} timeout -k 30 600 "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" \
    apply --server-side --field-manager=fqdn-bench -f {} -o name \
  | awk -v total="$resources" -v every="$progress_every" '
      NR % every == 0 { printf "bench: created %d of %d\n", NR, total > "/dev/stderr" }
      END { print NR }' >"$work/created.count"; then
  die "kubectl apply failed"
fi
created=$(cat "$work/created.count")
[ "$created" = "$resources" ] || die "created $created resources instead of $resources"
log "created $resources resources in $((SECONDS - t)) s"

# ---------------------------------------------------------------------------------------------
# Measurements

java=$JAVA_HOME/bin/java
classpath="$dist/fqdn-job.jar:$dist/lib/*"
job_args=(run --kubeconfig "$job_kubeconfig" --dns-server "$FQDN_TESTBED_DNS" -l "fqdn-job.bench/run=$run")
# The runs span the bench's namespaces: with a kubeconfig that takes -A (the training run uses -n).
all_namespaces=(--all-namespaces)
[ -z "$api_concurrency" ] || job_args+=(--api-concurrency "$api_concurrency")
# Only the first-request line of the kube package is logged at debug; -v would log every query.
first_request_log=-Dorg.slf4j.simpleLogger.log.io.fqdnjob.kube.FirstRequestLog=debug

scrape() {
  python3 "$root/scripts/lib/bench.py" scrape-dns "$FQDN_TESTBED_DNS_STATS" "$1.dns-$2"
  curl -sf --max-time 60 --cacert "$FQDN_TESTBED_CA" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "$FQDN_TESTBED_API_SERVER/metrics" >"$1.api-$2"
}

# measured NAME KIND LABEL JVM_OPTIONS COMMAND...: runs one process under /usr/bin/time -v and
# the timeout, with the statistics before and after, and records it as DIR/NAME.json.
measured() {
  local name=$1 kind=$2 label=$3 jvm=$4
  shift 4
  local prefix=$work/$name start end rc=0
  scrape "$prefix" before
  # The machine may be shared: its load when the process starts goes into the record.
  cut -d' ' -f1 /proc/loadavg >"$prefix.load"
  start=$(date +%s%N)
  # timeout(1) stops the JVM too: it signals its whole process group.
  /usr/bin/time -v -o "$prefix.time" timeout -k 30 "$job_timeout" "$@" >"$prefix.out" 2>"$prefix.log" || rc=$?
  end=$(date +%s%N)
  scrape "$prefix" after
  echo "$start $end $rc" >"$prefix.times"
  python3 "$root/scripts/lib/bench.py" scenario "$work" "$name" --kind "$kind" --label "$label" \
    "--jvm-options=$jvm" "--job-args=${job_extra[*]}" --timeout "$job_timeout" >&2
  [ "$rc" = 0 ] || log "$label: the process exited with $rc; see $prefix.log"
}

# scenario NAME LABEL JVM_OPTIONS [JOB ARGUMENTS...]
scenario() {
  local name=$1 label=$2 jvm=$3
  shift 3
  job_extra=("$@")
  log "scenario $label: running the job"
  # shellcheck disable=SC2086 # JVM options are split on blanks
  measured "$name" job "$label" "$heap $jvm $java_opts" \
    "$java" $heap $jvm $java_opts "$first_request_log" \
    -cp "$classpath" io.fqdnjob.cli.Main "${job_args[@]}" "${all_namespaces[@]}" "$@"
}

# list_baseline NUMBER JIT: lists what the job lists, in a JVM of its own with the job's heap
# options, the JIT options of the at-rest run it is paired with (not its AOT cache, which holds the
# job's classes) and the job's credentials, keeping nothing; timed with its JVM start like the job.
list_baseline() {
  job_extra=()
  log "list-only baseline #$1: listing what the job lists"
  # shellcheck disable=SC2086
  measured "list-baseline-$1" list-baseline "list-only baseline #$1" "$heap $2" \
    "$java" $heap $2 -cp "$dist/test-classes:$classpath" io.fqdnjob.bench.ApiBaseline \
    --kubeconfig "$job_kubeconfig" --selector "fqdn-job.bench/run=$run" --mode list
}

# run_baseline MODE [NUMBER]: the write baselines.
run_baseline() {
  local mode=$1 name=baseline-$1${2:+-$2}
  log "$name: sending the same writes with the simplest client"
  if timeout -k 30 "$job_timeout" "$java" -cp "$dist/test-classes:$classpath" io.fqdnjob.bench.ApiBaseline \
    --kubeconfig "$job_kubeconfig" --admin-kubeconfig "$KUBECONFIG" \
    --selector "fqdn-job.bench/run=$run" --mode "$mode" \
    --concurrency "${api_concurrency:-8}" >"$work/$name.out" 2>"$work/$name.log"; then
    mv "$work/$name.out" "$work/$name.json"
    log "$name: $(cat "$work/$name.json")"
  else
    log "$name failed; see $work/$name.log (left out of the report)"
  fi
}

cat >"$work/meta.json" <<EOF
{"heap": "$heap", "javaOpts": "$java_opts", "credentials": "$credentials", "apiConcurrency": ${api_concurrency:-8},
 "kubectlConcurrency": $concurrency, "java": "$("$java" -version 2>&1 | sed -n 2p)", "build": "$build_id",
 "only": "$only", "atRestJvm": "$at_rest_jvm", "jobTimeoutSeconds": $job_timeout,
 "nproc": $(nproc), "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)",
 "memTotal": "$(free -h | awk '/^Mem:/ {print $2}')", "loadAverageAtStart": "$(cut -d' ' -f1-3 /proc/loadavg)"}
EOF

cache=$work/fqdn-job.aot
# The distribution's launcher (bin/fqdn-job) stops the JIT at C1: a run lasts seconds to minutes.
c1_only=-XX:TieredStopAtLevel=1
# AOTMode=on: a cache the JVM cannot use fails the run instead of being ignored silently.
with_cache="-XX:AOTMode=on -XX:AOTCache=$cache"
aot_state=
# Trains the AOT cache once, before the first run that uses it: a dry run of one namespace, so
# that the cache holds the classes of listing, resolving, rendering and applying; it changes
# nothing. Returns 1 when there is no cache (the runs that need it are then left out).
ensure_aot() {
  [ "$aot" = 1 ] || return 1
  if [ -z "$aot_state" ]; then
    log "training the AOT cache (a --dry-run --force run of one namespace)"
    local t=$SECONDS
    # shellcheck disable=SC2086
    if timeout -k 30 "$job_timeout" "$java" $heap -XX:AOTCacheOutput="$cache" -cp "$classpath" \
      io.fqdnjob.cli.Main "${job_args[@]}" --force --dry-run -n "bench-$run-00" \
      >"$work/aot-training.out" 2>"$work/aot-training.log" && [ -s "$cache" ]; then
      aot_state=ok
      log "AOT cache: $(du -h "$cache" | cut -f1) in $((SECONDS - t)) s"
    else
      aot_state=failed
      log "AOT training failed, the runs with the cache are left out; see $work/aot-training.log"
    fi
  fi
  [ "$aot_state" = ok ]
}

scenario cold cold ""
[ "$write_baselines" = 0 ] || run_baseline cold

if wants at-rest; then
  at_rest_flags=
  at_rest_label=
  at_rest_jit=
  case $at_rest_jvm in
    aot) at_rest_flags=$with_cache; at_rest_label=", AOT cache" ;;
    aot-c1) at_rest_flags="$with_cache $c1_only"; at_rest_label=", AOT cache, C1 only"; at_rest_jit=$c1_only ;;
  esac
  if [ "$at_rest_jvm" = plain ] || ensure_aot; then
    # At-rest runs and list-only baselines take turns, so that each pair sees the same load.
    for ((i = 1; i <= repeat; i++)); do
      scenario "at-rest-$i" "at rest #$i (--force)$at_rest_label" "$at_rest_flags" --force
      [ "$baseline" = 0 ] || list_baseline "$i" "$at_rest_jit"
    done
  fi
  [ "$write_baselines" = 0 ] || run_baseline status
fi

if wants churn; then
  # Each step draws its own names and computes the resources listing one of them.
  for step in "churn-1 0.01" "churn-10 0.1"; do
    set -- $step
    python3 "$root/scripts/lib/bench.py" churn "$work" --step "$1" --fraction "$2" \
      --dns-host "$dns_host" --dns-port "$dns_port" >&2
    nsupdate -v "$work/dns-$1.txt" || die "changing the DNS names failed"
    scenario "$1" "${1/churn-/churn }% (--force)" "" --force
  done
fi

if wants idle; then
  # Idle runs, with and without the cache taking turns, so that both see the same load.
  with_aot=0
  ! ensure_aot || with_aot=1
  for ((i = 1; i <= idle_runs; i++)); do
    sleep 1
    scenario "idle-$i" "idle #$i" ""
    if [ "$with_aot" = 1 ]; then
      sleep 1
      scenario "idle-aot-$i" "idle #$i, AOT cache" "$with_cache"
      sleep 1
      scenario "idle-aot-c1-$i" "idle #$i, AOT cache, C1 only" "$with_cache $c1_only"
    fi
  done
fi

if wants aot && ensure_aot; then
  scenario at-rest-aot "at rest (--force), AOT cache" "$with_cache" --force
  scenario at-rest-aot-c1 "at rest (--force), AOT cache, C1 only" "$with_cache $c1_only" --force
fi

# cpu_ticks PID: the user and system clock ticks the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# runs_finished FILE: how many summary lines the job's log holds.
runs_finished() { grep -c 'run finished: ' "$1" || true; }

if wants loop; then
  if ensure_aot; then
    log "scenario loop: run --loop with the AOT cache and C1 only, measured for $loop_minutes minutes after its first run"
    loop_jvm="$heap $with_cache $c1_only $java_opts"
    # shellcheck disable=SC2086
    "$java" $loop_jvm -cp "$classpath" io.fqdnjob.cli.Main "${job_args[@]}" "${all_namespaces[@]}" --loop --max-interval 60s \
      >"$work/loop.out" 2>"$work/loop.log" &
    loop_pid=$!
    waited=0
    while [ "$(runs_finished "$work/loop.log")" -lt 1 ] && kill -0 "$loop_pid" 2>/dev/null \
      && [ "$waited" -lt "$job_timeout" ]; do
      sleep 1
      waited=$((waited + 1))
    done
    if [ "$(runs_finished "$work/loop.log")" -ge 1 ] && kill -0 "$loop_pid" 2>/dev/null; then
      ticks_from=$(cpu_ticks "$loop_pid")
      runs_from=$(runs_finished "$work/loop.log")
      from_ns=$(date +%s%N)
      sleep $((loop_minutes * 60))
      ticks_to=$(cpu_ticks "$loop_pid")
      to_ns=$(date +%s%N)
      runs_to=$(runs_finished "$work/loop.log")
      peak_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$loop_pid/status")
      kill -TERM "$loop_pid"
      loop_rc=0
      wait "$loop_pid" || loop_rc=$?
      python3 - "$work/loop.json" <<EOF
import json, sys
json.dump({"jvmOptions": """$loop_jvm""", "ttlSeconds": $ttl, "fromNs": $from_ns, "toNs": $to_ns,
           "cpuTicks": $((ticks_to - ticks_from)), "ticksPerSecond": $(getconf CLK_TCK),
           "runs": $((runs_to - runs_from)), "peakRssKiB": $peak_kib, "exitStatusOnSigterm": $loop_rc,
           "loadAverage": "$(cut -d' ' -f1-3 /proc/loadavg)"}, open(sys.argv[1], "w"))
EOF
      log "loop: $((runs_to - runs_from)) runs and $((ticks_to - ticks_from)) CPU ticks ($(getconf CLK_TCK)/s) in $loop_minutes minutes; peak RSS $((peak_kib / 1024)) MiB"
    else
      kill -TERM "$loop_pid" 2>/dev/null || true
      wait "$loop_pid" 2>/dev/null || true
      log "loop: no run finished; see $work/loop.log (left out of the report)"
    fi
  else
    log "loop: needs the AOT cache; left out"
  fi
fi

report_args=()
[ "$smoke" = 0 ] || report_args+=(--strict)
rc=0
python3 "$root/scripts/lib/bench.py" report "$work" "${report_args[@]}" || rc=$?
[ -z "$results_copy" ] || cp "$work/results.json" "$results_copy"
log "done in $((SECONDS - started_at)) s; results in $work/results.md"
exit "$rc"
