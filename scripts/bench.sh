#!/usr/bin/env bash
# Benchmark of fqdn-job on the test bed (scripts/testbed.sh): N resources, every scenario a
# separate job process started the way a CronJob starts it. See docs/performance.md.
#
# Usage: scripts/bench.sh [--resources N] [options]
#   --resources N        fqdn resources to create (default 1000), in 20 namespaces, 5 names each
#                        from a pool of 2,000 names served by the bed's BIND
#   --pool N             names in the pool (default 2000)
#   --concurrency P      kubectl processes loading the resources (default 4)
#   --api-concurrency C  the job's --api-concurrency and the baseline's (default: the job's, 8)
#   --heap OPTIONS       the job's heap and GC options (default "-Xmx384m -XX:+UseSerialGC": what
#                        the JVM picks in the CronJob's container, -XX:MaxRAMPercentage=75 of its
#                        512Mi memory limit, and the serial collector below 1792 MB of memory)
#   --java-opts OPTIONS  more JVM options for every job process (e.g. -XX:StartFlightRecording)
#   --credentials KIND   how the job and the baseline authenticate: token (default; a
#                        ServiceAccount token with the project's ClusterRole, as in a pod) or
#                        admin (the bed's admin client certificate)
#   --idle-runs K        idle runs with and without the AOT cache (default 3)
#   --repeat R           steady runs, each followed by its baseline (default 3)
#   --no-aot             skip the AOT cache training and the runs that use it
#   --no-baseline        skip the baselines
#   --smoke              quick: no AOT cache, one steady and one idle run; exits 1 when a count
#                        check fails (the integration test BenchSmokeIT runs this)
#   --no-build           use target/ as it is (the jar, target/lib and target/test-classes)
#   --keep               keep the namespaces, the DNS names, and in the work folder the copy of
#                        the build and the AOT cache (results and logs are always kept)
#   --results FILE       copy results.json there
#
# Scenarios, in this order: cold (nothing applied yet) and a baseline of the same writes; steady
# (--force: all due, nothing changed), each run followed by a baseline of N status applies;
# churn (10 % of the names answer with new addresses, --force); idle (one second later, nothing
# due, no --force), taking turns without the AOT cache, with it, and with it and the C1 compiler
# only; then steady with the AOT cache, and with the cache and C1 only. Each job process runs
# under /usr/bin/time -v; before and after it the script reads BIND's statistics and the API
# server's /metrics.
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
pool=2000
concurrency=4
api_concurrency=
heap="-Xmx384m -XX:+UseSerialGC"
java_opts=""
credentials=token
idle_runs=3
repeat=3
aot=1
baseline=1
smoke=0
build=1
keep=0
results_copy=

usage() {
  sed -n '5,28s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

while [ $# -gt 0 ]; do
  case $1 in
    --resources) resources=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --api-concurrency) api_concurrency=$2; shift 2 ;;
    --heap) heap=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --credentials) credentials=$2; shift 2 ;;
    --idle-runs) idle_runs=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --no-aot) aot=0; shift ;;
    --no-baseline) baseline=0; shift ;;
    --smoke) smoke=1; aot=0; idle_runs=1; repeat=1; shift ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    --results) results_copy=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "bench: unknown option $1" >&2; usage ;;
  esac
done
[[ $resources =~ ^[1-9][0-9]*$ ]] || { echo "bench: --resources must be a positive number" >&2; exit 2; }
case $credentials in token | admin) ;; *) echo "bench: --credentials must be token or admin" >&2; exit 2 ;; esac

started_at=$SECONDS
log() { printf 'bench [%4ds]: %s\n' "$((SECONDS - started_at))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

run=
work=
stop_bed=0
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

testbed=$root/scripts/testbed.sh
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
for tool in curl nsupdate dig python3 /usr/bin/time; do
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
cp -r "$root/target/test-classes/io/fqdnjob/bench" "$dist/test-classes/io/fqdnjob/"
log "run $run: $resources resources; work folder $work"


# Namespaces of earlier benchmark runs would be listed by the job too (its NetworkPolicy list is
# cluster-wide) and their deletion would run in the background during the measurements.
leftovers=$(kubectl get namespace -l fqdn-job.bench/bench=true -o name 2>/dev/null || true)
if [ -n "$leftovers" ]; then
  log "deleting namespaces of earlier benchmark runs: $(echo "$leftovers" | wc -l)"
  kubectl delete namespace -l fqdn-job.bench/bench=true --wait=true --timeout=600s >/dev/null
fi
kubectl delete clusterrole,clusterrolebinding -l fqdn-job.bench/bench=true >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------
# Workload

python3 "$root/scripts/lib/bench.py" workload "$work" --resources "$resources" --pool "$pool" \
  --run "$run" --zone "$FQDN_TESTBED_ZONE" --dns-host "$dns_host" --dns-port "$dns_port" >&2

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
  token=$(kubectl create token fqdn-job -n "bench-$run-00" --duration=4h)
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
# connection, without a discovery round trip per object.
if ! printf '%s\n' "${chunks[@]}" \
  | xargs -P "$concurrency" -I{} "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" \
    apply --server-side --field-manager=fqdn-bench -f {} -o name \
  | awk -v total="$resources" '
      NR % 1000 == 0 { printf "bench: created %d of %d\n", NR, total > "/dev/stderr" }
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
[ -z "$api_concurrency" ] || job_args+=(--api-concurrency "$api_concurrency")
# Only the first-request line of the kube package is logged at debug; -v would log every query.
first_request_log=-Dorg.slf4j.simpleLogger.log.io.fqdnjob.kube.FirstRequestLog=debug

scrape() {
  python3 "$root/scripts/lib/bench.py" scrape-dns "$FQDN_TESTBED_DNS_STATS" "$1.dns-$2"
  curl -sf --max-time 30 --cacert "$FQDN_TESTBED_CA" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "$FQDN_TESTBED_API_SERVER/metrics" >"$1.api-$2"
}

# scenario NAME LABEL JVM_OPTIONS [JOB ARGUMENTS...]
scenario() {
  local name=$1 label=$2 jvm=$3
  shift 3
  local prefix=$work/$name start end rc=0
  log "scenario $label: running the job"
  scrape "$prefix" before
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # JVM options are split on blanks
  /usr/bin/time -v -o "$prefix.time" "$java" $heap $jvm $java_opts "$first_request_log" \
    -cp "$classpath" io.fqdnjob.cli.Main "${job_args[@]}" "$@" >"$prefix.out" 2>"$prefix.log" || rc=$?
  end=$(date +%s%N)
  scrape "$prefix" after
  echo "$start $end" >"$prefix.times"
  python3 "$root/scripts/lib/bench.py" scenario "$work" "$name" --label "$label" \
    "--jvm-options=$heap $jvm $java_opts" "--job-args=$*" >&2
  [ "$rc" = 0 ] || log "scenario $label: the job exited with $rc; see $prefix.log"
}

# run_baseline MODE [NUMBER]
run_baseline() {
  local mode=$1 name=baseline-$1${2:+-$2}
  log "$name: sending the same writes with the simplest client"
  "$java" -cp "$dist/test-classes:$classpath" io.fqdnjob.bench.ApiBaseline \
    --kubeconfig "$job_kubeconfig" --admin-kubeconfig "$KUBECONFIG" \
    --selector "fqdn-job.bench/run=$run" --mode "$mode" \
    --concurrency "${api_concurrency:-8}" >"$work/$name.json" 2>"$work/$name.log" \
    || die "$name failed; see $work/$name.log"
  log "$name: $(cat "$work/$name.json")"
}

cat >"$work/meta.json" <<EOF
{"heap": "$heap", "javaOpts": "$java_opts", "credentials": "$credentials", "apiConcurrency": ${api_concurrency:-8},
 "kubectlConcurrency": $concurrency, "java": "$("$java" -version 2>&1 | sed -n 2p)",
 "nproc": $(nproc), "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)",
 "memTotal": "$(free -h | awk '/^Mem:/ {print $2}')"}
EOF

scenario cold cold ""
[ "$baseline" = 0 ] || run_baseline cold
# Steady runs and status baselines take turns, so that each pair sees the same load.
for ((i = 1; i <= repeat; i++)); do
  scenario "steady-$i" "steady #$i (--force)" "" --force
  [ "$baseline" = 0 ] || run_baseline status "$i"
done

python3 "$root/scripts/lib/bench.py" churn "$work" --fraction 0.1 --dns-host "$dns_host" --dns-port "$dns_port" >&2
nsupdate -v "$work/dns-churn.txt" || die "changing the DNS names failed"
scenario churn "churn (--force)" "" --force

cache=$work/fqdn-job.aot
# The distribution's launcher (bin/fqdn-job) stops the JIT at C1: a run lasts seconds to minutes.
c1_only=-XX:TieredStopAtLevel=1
# AOTMode=on: a cache the JVM cannot use fails the run instead of being ignored silently.
with_cache="-XX:AOTMode=on -XX:AOTCache=$cache"
if [ "$aot" = 1 ]; then
  # Training: a dry run of one namespace, so that the cache holds the classes of listing,
  # resolving, rendering and applying; it changes nothing.
  log "training the AOT cache (a --dry-run --force run of one namespace)"
  t=$SECONDS
  # shellcheck disable=SC2086
  "$java" $heap -XX:AOTCacheOutput="$cache" -cp "$classpath" io.fqdnjob.cli.Main "${job_args[@]}" \
    --force --dry-run -n "bench-$run-00" >"$work/aot-training.out" 2>"$work/aot-training.log" \
    || die "AOT training failed; see $work/aot-training.log"
  [ -s "$cache" ] || die "the JVM wrote no AOT cache; see $work/aot-training.log"
  log "AOT cache: $(du -h "$cache" | cut -f1) in $((SECONDS - t)) s"
fi

# Idle runs, with and without the cache taking turns, so that both see the same load.
for ((i = 1; i <= idle_runs; i++)); do
  sleep 1
  scenario "idle-$i" "idle #$i" ""
  if [ "$aot" = 1 ]; then
    sleep 1
    scenario "idle-aot-$i" "idle #$i, AOT cache" "$with_cache"
    sleep 1
    scenario "idle-aot-c1-$i" "idle #$i, AOT cache, C1 only" "$with_cache $c1_only"
  fi
done
if [ "$aot" = 1 ]; then
  scenario steady-aot "steady (--force), AOT cache" "$with_cache" --force
  scenario steady-aot-c1 "steady (--force), AOT cache, C1 only" "$with_cache $c1_only" --force
fi

report_args=()
[ "$smoke" = 0 ] || report_args+=(--strict)
rc=0
python3 "$root/scripts/lib/bench.py" report "$work" "${report_args[@]}" || rc=$?
[ -z "$results_copy" ] || cp "$work/results.json" "$results_copy"
log "done in $((SECONDS - started_at)) s; results in $work/results.md"
exit "$rc"
