#!/usr/bin/env bash
# Test bed for the integration tests: a real Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kubectl), a real BIND DNS server, a Prometheus Pushgateway and a
# Toxiproxy (for tests that put faults between the job and the API server), all listening on
# 127.0.0.1 only.
#
# Usage: scripts/testbed.sh up [--node]|env|status|down
#   up      start whatever is not running yet (a second `up` reuses running processes)
#           --node: also a Kubernetes node that runs pods and enforces NetworkPolicies
#           (scripts/lib/testbed-node.sh); needs root, one per machine
#   env     print `export` lines describing the running bed
#   status  exit 0 when every process runs and is healthy, 3 when none runs, 1 otherwise
#   down    stop every process of the bed (SIGTERM, then SIGKILL after a grace period); with a
#           node, also its pods, mounts, iptables chains, ipsets, cgroups and bridge
#
# All state (certificates, configuration, data, logs, pid files) lives in one folder:
# $FQDN_TESTBED_DIR, by default <repo>/target/testbed; each process logs to its logs/ subfolder.
# Progress goes to stderr; only `env` writes to stdout. Nothing here sends traffic off the
# machine: every listener and every upstream is on loopback, and named is authoritative for the
# root zone so it never needs the internet.
#
# `up` also installs the project's CRDs (kustomize/base/crd) and returns once the API server is
# ready and namespace default has its ServiceAccount. The Kubernetes binaries come from
# scripts/lib/k8s-binaries.sh (built once into ~/.cache/fqdn-job), BIND from apt-get if missing.
#
# Settings: FQDN_TESTBED_DIR (state folder), FQDN_TESTBED_KEEP=1 (a failed `up` leaves its
# processes for inspection), FQDN_TESTBED_WAIT_SECONDS (readiness deadline per process, 180),
# FQDN_TESTBED_GRACE_SECONDS (SIGTERM to SIGKILL, 15), FQDN_TESTBED_LIST_FROM_CACHE=1 (the API
# server, when it starts, serves the pages of a list from its watch cache as the API server does
# by default since 1.34; the bed otherwise reads them from etcd, see start_apiserver),
# FQDN_TESTBED_PROFILING=1 (the API server, when it starts, serves Go's CPU and heap profiles at
# /debug/pprof/, e.g. `kubectl get --raw '/debug/pprof/profile?seconds=30' > api.pprof`).
set -euo pipefail
# No job control: background children must not lead process groups, so that `setsid` runs the
# program in place and `$!` is its pid.
set +m

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source=lib/testbed-node.sh
source "$SCRIPT_DIR/lib/testbed-node.sh"
DIR="${FQDN_TESTBED_DIR:-$REPO_ROOT/target/testbed}"
ZONE=bed.test
SERVICE_CIDR=10.0.0.0/24
# The first address of the service range is the `kubernetes` Service; it goes into the serving
# certificate's names like on a real cluster.
SERVICE_IP=10.0.0.1
WAIT_SECONDS=${FQDN_TESTBED_WAIT_SECONDS:-180}
GRACE_SECONDS=${FQDN_TESTBED_GRACE_SECONDS:-15}
LARGE_ANSWER_COUNT=150
DEMO_ZONES="example.com example.net example.org"
# Stop order: the node first, then clients of etcd, etcd last.
COMPONENTS=("${NODE_COMPONENTS[@]}" kube-controller-manager kube-apiserver toxiproxy pushgateway named-alt named etcd)
CONTROL_PLANE=(kube-controller-manager kube-apiserver toxiproxy pushgateway named-alt named etcd)
STOPPED=()

log() { printf 'testbed: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '5,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------
# Paths and recorded state

set_paths() {
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  PKI="$DIR/pki"
  RUN="$DIR/run"
  LOGS="$DIR/logs"
  NAMED_DIR="$DIR/named"
  STATE_FILE="$DIR/bed.env"
  node_paths
}

# bed.env records what the running processes were started with, so that `env`, `status` and a
# later `up` agree with them.
load_state() {
  [ -f "$STATE_FILE" ] || return 1
  # shellcheck disable=SC1090
  . "$STATE_FILE"
}

save_state() {
  cat >"$STATE_FILE.tmp" <<EOF
BIN_DIR='$BIN_DIR'
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
API_PORT=$API_PORT
KCM_PORT=$KCM_PORT
DNS_PORT=$DNS_PORT
DNS_STATS_PORT=$DNS_STATS_PORT
PUSHGATEWAY_PORT=$PUSHGATEWAY_PORT
PUSHGATEWAY_BIN='$PUSHGATEWAY_BIN'
TOXIPROXY_PORT=$TOXIPROXY_PORT
TOXIPROXY_BIN='$TOXIPROXY_BIN'
DNS_ALT_PORT=$DNS_ALT_PORT
NODE=$NODE
KUBELET_PORT=${KUBELET_PORT:-}
KUBELET_HEALTHZ_PORT=${KUBELET_HEALTHZ_PORT:-}
PROXY_HEALTHZ_PORT=${PROXY_HEALTHZ_PORT:-}
PROXY_METRICS_PORT=${PROXY_METRICS_PORT:-}
SCHEDULER_PORT=${SCHEDULER_PORT:-}
ROUTER_HEALTH_PORT=${ROUTER_HEALTH_PORT:-}
KUBE_ROUTER_BIN='${KUBE_ROUTER_BIN:-}'
COREDNS_BIN='${COREDNS_BIN:-}'
NODE_IMAGE='${NODE_IMAGE:-}'
EOF
  mv "$STATE_FILE.tmp" "$STATE_FILE"
}

# The API server's address: loopback, or with a node the node's address, where pods reach it.
set_api_address() {
  API_ADDRESS=127.0.0.1
  [ "${NODE:-0}" = 0 ] || API_ADDRESS=$NODE_IP
}

binary_of() {
  case $1 in
    named | named-alt) command -v named || echo /usr/sbin/named ;;
    pushgateway) echo "$PUSHGATEWAY_BIN" ;;
    toxiproxy) echo "$TOXIPROXY_BIN" ;;
    kube-router) echo "$KUBE_ROUTER_BIN" ;;
    containerd) command -v containerd || echo /usr/bin/containerd ;;
    *) echo "$BIN_DIR/$1" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Processes

pid_of() {
  local file="$RUN/$1.pid"
  [ -f "$file" ] && cat "$file"
}

# A pid counts as ours only while it runs (zombies do not count) and still executes the expected
# program with this bed's folder on its command line, so a recycled pid is never mistaken for it.
is_ours() {
  local pid=$1 name=$2 state cmdline
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$({ sed 's/^.*) \(.\).*/\1/' "/proc/$pid/stat"; } 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  cmdline=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  [[ $cmdline == *"$name"* && $cmdline == *"$DIR/"* ]]
}

is_alive() {
  is_ours "$(pid_of "$1")" "$1"
}

# Starts a program in its own session, detached from the caller's terminal and pipes: a JVM that
# reads this script's output must see end-of-file when the script ends, and a Ctrl-C in the
# caller's terminal must not reach the bed. fds 7 and 9 hold the locks and are not inherited.
launch() {
  local name=$1
  shift
  log "starting $name"
  setsid "$@" </dev/null >"$LOGS/$name.log" 2>&1 7>&- 9>&- &
  local pid=$! i
  echo "$pid" >"$RUN/$name.pid"
  STARTED+=("$name")
  # Until the child has called exec, /proc shows this script's command line, and the process would
  # not count as ours: on a busy machine a readiness check could take that for an early exit.
  for ((i = 0; i < 50; i++)); do
    if is_ours "$pid" "$name" || ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
}

# Waits until `check` succeeds, failing early with the log's tail when the process has exited.
wait_for() {
  local name=$1 what=$2 check=$3 deadline=$((SECONDS + WAIT_SECONDS))
  until $check; do
    if ! is_alive "$name"; then
      log "$name exited during startup; last lines of $LOGS/$name.log:"
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name did not start; see $LOGS/$name.log"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$what did not become ready in $WAIT_SECONDS s; see $LOGS/$name.log"
    fi
    sleep 0.3
  done
}

# stop_pids NAME:PID... sends SIGTERM to all of them at once, SIGKILL to those still running
# after the grace period, and returns once all of them are gone.
stop_pids() {
  local entry pid name deadline
  for entry in "$@"; do
    pid=${entry#*:}
    name=${entry%%:*}
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + GRACE_SECONDS))
  for entry in "$@"; do
    pid=${entry#*:}
    name=${entry%%:*}
    while is_ours "$pid" "$name" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if is_ours "$pid" "$name"; then
      log "$name (pid $pid) ignored SIGTERM for $GRACE_SECONDS s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while is_ours "$pid" "$name"; do sleep 0.1; done
    fi
  done
  for entry in "$@"; do STOPPED+=("${entry#*:}"); done
}

# The stopped processes were re-parented to init when `up` ended; give init a moment to reap
# them so that they do not linger as zombies in process listings after `down`.
await_reaping() {
  local pid deadline=$((SECONDS + 5))
  for pid in "${STOPPED[@]}"; do
    while [ -e "/proc/$pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  done
}

# Stops the given components (those recorded in pid files and still running).
stop_components() {
  local name pid entries=()
  for name in "$@"; do
    pid=$(pid_of "$name") || continue
    is_ours "$pid" "$name" && entries+=("$name:$pid")
  done
  [ "${#entries[@]}" -eq 0 ] || stop_pids "${entries[@]}"
  for name in "$@"; do rm -f "$RUN/$name.pid"; done
}

# Processes of this bed whose pid files are gone (for example after `mvn clean` removed the
# folder under a running bed), as NAME:PID. They are recognised by their program and by this
# bed's folder on their command line. etcd comes last so that its clients stop first.
orphans() {
  local proc pid comm cmdline found=() store=()
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    comm=$(cat "$proc/comm" 2>/dev/null) || continue
    case $comm in
      etcd | kube-apiserver | kube-controller | named | pushgateway | toxiproxy) ;;
      kubelet | kube-proxy | kube-scheduler | kube-router | containerd) ;;
      *) continue ;;
    esac
    cmdline=$({ tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null) || continue
    [[ $cmdline == *"$DIR/"* ]] || continue
    is_ours "$pid" "$comm" || continue
    is_tracked "$pid" && continue
    if [ "$comm" = etcd ]; then store+=("$comm:$pid"); else found+=("$comm:$pid"); fi
  done
  echo "${found[*]}"
  echo "${store[*]}"
}

is_tracked() {
  local name
  for name in "${COMPONENTS[@]}"; do
    [ "$(pid_of "$name" || true)" = "$1" ] && return 0
  done
  return 1
}

stop_orphans() {
  local clients store
  { read -r clients; read -r store; } < <(orphans)
  # shellcheck disable=SC2086 # word splitting wanted: lists of NAME:PID
  [ -z "$clients" ] || stop_pids $clients
  # shellcheck disable=SC2086
  [ -z "$store" ] || stop_pids $store
}

# ---------------------------------------------------------------------------------------------
# Ports

# Picks distinct free loopback ports for both TCP and UDP. They come from below Linux's ephemeral
# range (32768+) so that outgoing connections of other programs do not take them in the meantime,
# and from below Kubernetes' NodePort range (30000-32767): the node's NetworkPolicy enforcer lets
# pods reach any local port in that range, so the bed's DNS server there would escape the policies
# under test.
pick_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
count, held, ports = int(sys.argv[1]), [], []
while len(ports) < count:
    port = random.randint(20000, 29999)
    if port in ports:
        continue
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM),
             socket.socket(socket.AF_INET, socket.SOCK_DGRAM)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", port))
    except OSError:
        for s in socks:
            s.close()
        continue
    held += socks
    ports.append(port)
print(" ".join(map(str, ports)))
EOF
}

# ---------------------------------------------------------------------------------------------
# Certificates (RSA keys: every client involved, including client-java, reads them)

openssl_quiet() { openssl "$@" 2>"$PKI/openssl.err" || die "openssl $1 failed: $(cat "$PKI/openssl.err")"; }

# ensure_ca NAME COMMON_NAME
ensure_ca() {
  local name=$1 cn=$2
  [ -s "$PKI/$name.crt" ] && return 0
  log "creating certificate authority $name"
  openssl_quiet req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout "$PKI/$name.key" -out "$PKI/$name.crt" -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# issue NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES] [CA_NAME]
issue() {
  local name=$1 subject=$2 eku=$3 san=${4:-} ca=${5:-ca}
  [ -s "$PKI/$name.crt" ] && return 0
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$PKI/$name.ext"
  openssl_quiet req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" \
    -out "$PKI/$name.csr"
  openssl_quiet x509 -req -sha256 -days 3650 -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" \
    -CAkey "$PKI/$ca.key" -set_serial "0x$(openssl rand -hex 16)" -extfile "$PKI/$name.ext" \
    -out "$PKI/$name.crt"
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

ensure_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  ensure_ca ca "fqdn-job test bed CA"
  # The API server's aggregation layer trusts a separate CA for the front proxy, as on real
  # clusters; configuring it also lets components read a complete authentication ConfigMap.
  ensure_ca front-proxy-ca "fqdn-job test bed front proxy CA"
  local loopback="IP:127.0.0.1,DNS:localhost"
  [ -s "$PKI/admin.crt" ] || log "issuing certificates (first start only)"
  issue etcd "/CN=etcd" serverAuth,clientAuth "$loopback"
  issue apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
  issue apiserver "/CN=kube-apiserver" serverAuth \
    "$loopback,IP:$NODE_IP,IP:$SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  issue controller-manager "/CN=system:kube-controller-manager" clientAuth
  issue controller-manager-serving "/CN=kube-controller-manager" serverAuth "$loopback"
  issue admin "/O=system:masters/CN=fqdn-testbed-admin" clientAuth
  issue front-proxy-client "/CN=front-proxy-client" clientAuth "" front-proxy-ca
  if [ ! -s "$PKI/service-account.key" ]; then
    openssl_quiet genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/service-account.key"
    openssl_quiet pkey -in "$PKI/service-account.key" -pubout -out "$PKI/service-account.pub"
  fi
}

# write_kubeconfig FILE USER CERT_NAME
write_kubeconfig() {
  local file=$1 user=$2 cert=$3
  cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: https://$API_ADDRESS:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: testbed
  context:
    cluster: testbed
    user: $user
    namespace: default
current-context: testbed
EOF
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

# ---------------------------------------------------------------------------------------------
# Kubernetes

curl_tls() {
  curl -sf --max-time 3 --cacert "$PKI/ca.crt" "$@"
}

etcd_healthy() {
  curl_tls --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
    "https://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'
}

apiserver_ready() {
  curl_tls --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://$API_ADDRESS:$API_PORT/readyz" >/dev/null 2>&1
}

controller_manager_healthy() {
  curl_tls "https://127.0.0.1:$KCM_PORT/healthz" >/dev/null 2>&1
}

default_service_account_exists() {
  "$BIN_DIR/kubectl" --kubeconfig "$DIR/admin.kubeconfig" --request-timeout=3s \
    -n default get serviceaccount default >/dev/null 2>&1
}

# Installs the project's CRDs before the controller manager starts. Its garbage collector learns
# of new resource types only on a 30 s discovery resync, so a CRD installed later can delay the
# collection of objects owned by custom resources by up to that long.
install_project_crds() {
  local dir="$REPO_ROOT/kustomize/base/crd" source
  if [ -f "$dir/kustomization.yaml" ]; then
    source=(-k "$dir")
  elif compgen -G "$dir/*.yaml" >/dev/null; then
    source=(-f "$dir")
  else
    return 0
  fi
  log "installing the project's CRDs from $dir"
  if ! "$BIN_DIR/kubectl" --kubeconfig "$DIR/admin.kubeconfig" apply --server-side \
    --force-conflicts --field-manager=fqdn-testbed "${source[@]}" >"$LOGS/crds.log" 2>&1 \
    || ! "$BIN_DIR/kubectl" --kubeconfig "$DIR/admin.kubeconfig" wait \
      --for=condition=Established --timeout=60s crd --all >>"$LOGS/crds.log" 2>&1; then
    # Not fatal: the DNS side and the rest of the cluster are still useful, and tests that need
    # the CRD report the problem when they install it.
    log "warning: installing the CRDs failed; see $LOGS/crds.log"
  fi
}

start_etcd() {
  local url="https://127.0.0.1:$ETCD_PORT" peer="https://127.0.0.1:$ETCD_PEER_PORT"
  # A bed starting from nothing also starts from an empty store.
  [ "${FRESH:-0}" = 1 ] && rm -rf "$DIR/etcd-data"
  # --unsafe-no-fsync: the store is thrown away with the bed, and fsync dominates its latency.
  # --quota-backend-bytes 8 GiB instead of the default 2 GiB: scripts/bench.sh at 100,000 resources
  # keeps as many NetworkPolicies, Events and the history of every status write until the API
  # server compacts it; a store at its quota refuses every write. The file grows only as used.
  launch etcd "$(binary_of etcd)" --name=testbed --data-dir="$DIR/etcd-data" \
    --listen-client-urls="$url" --advertise-client-urls="$url" \
    --listen-peer-urls="$peer" --initial-advertise-peer-urls="$peer" \
    --initial-cluster="testbed=$peer" --initial-cluster-state=new \
    --client-cert-auth --trusted-ca-file="$PKI/ca.crt" \
    --cert-file="$PKI/etcd.crt" --key-file="$PKI/etcd.key" \
    --peer-client-cert-auth --peer-trusted-ca-file="$PKI/ca.crt" \
    --peer-cert-file="$PKI/etcd.crt" --peer-key-file="$PKI/etcd.key" \
    --quota-backend-bytes=8589934592 --unsafe-no-fsync --log-level=warn
}

# With a node, the API server listens on the node's address (pods reach it there through the
# `kubernetes` Service) and reaches the kubelet for `kubectl logs` and `exec`.
# ListFromCacheSnapshot off: the pages after the first of a list then come from etcd, as on API
# servers before 1.34, so that compacting etcd between two pages expires the continue token (410)
# and tests can check that the job starts such a list over. With it on, the watch cache serves
# the next pages from its own snapshot, which an etcd compaction made outside the API server's own
# compactor does not expire. FQDN_TESTBED_LIST_FROM_CACHE=1 leaves it on, the default of the API
# server since 1.34, for benchmarks of lists as current clusters serve them (the tests of expired
# continue tokens then fail).
start_apiserver() {
  local node_flags=() gate_flags=(--feature-gates=ListFromCacheSnapshot=false) profiling=false
  if [ "${FQDN_TESTBED_LIST_FROM_CACHE:-0}" = 1 ]; then
    gate_flags=()
  fi
  if [ "${FQDN_TESTBED_PROFILING:-0}" = 1 ]; then
    profiling=true
  fi
  if [ "$NODE" = 1 ]; then
    node_flags=(--kubelet-preferred-address-types=InternalIP
      --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
      --kubelet-certificate-authority="$PKI/ca.crt"
      --enable-admission-plugins=NodeRestriction)
  fi
  launch kube-apiserver "$(binary_of kube-apiserver)" \
    --bind-address="$API_ADDRESS" --advertise-address="$API_ADDRESS" --secure-port="$API_PORT" \
    --etcd-servers="https://127.0.0.1:$ETCD_PORT" --etcd-cafile="$PKI/ca.crt" \
    --etcd-certfile="$PKI/apiserver-etcd-client.crt" --etcd-keyfile="$PKI/apiserver-etcd-client.key" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --anonymous-auth=false \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$PKI/service-account.pub" \
    --service-account-signing-key-file="$PKI/service-account.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --allow-privileged=false --profiling="$profiling" \
    "${gate_flags[@]}" \
    --cert-dir="$DIR/apiserver-certs" "${node_flags[@]}"
}

# --use-service-account-credentials: each controller acts as its own ServiceAccount with the
# bootstrap RBAC role made for it, as on real clusters. Without it every controller acts as
# system:kube-controller-manager, which may not, for example, read custom resources, so the
# garbage collector could not delete what they own.
start_controller_manager() {
  launch kube-controller-manager "$(binary_of kube-controller-manager)" \
    --kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --tls-cert-file="$PKI/controller-manager-serving.crt" \
    --tls-private-key-file="$PKI/controller-manager-serving.key" \
    --client-ca-file="$PKI/ca.crt" \
    --controllers='*' --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/service-account.key" \
    --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --profiling=false \
    --cert-dir="$DIR/controller-manager-certs"
}

# ---------------------------------------------------------------------------------------------
# DNS (BIND 9)

ensure_bind() {
  command -v named >/dev/null && command -v dig >/dev/null && return 0
  log "installing BIND (named, dig) with apt-get"
  command -v apt-get >/dev/null || die "named and dig are missing and apt-get is not available; install BIND 9"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bind9 bind9-dnsutils) \
    >"$LOGS/apt-get.log" 2>&1 || die "apt-get install bind9 bind9-dnsutils failed; see $LOGS/apt-get.log"
  # The Debian package may start a system-wide named; the bed never uses it.
}

write_named_files() {
  mkdir -p "$NAMED_DIR"
  # With a node, pods query named on the node's address (through the kube-dns Service).
  local NAMED_NODE_LISTEN="" NAMED_NODE_CLIENTS=""
  if [ "$NODE" = 1 ]; then
    NAMED_NODE_LISTEN=" $NODE_IP;"
    NAMED_NODE_CLIENTS=" $POD_CIDR; $NODE_IP;"
  fi
  rm -f "$NAMED_DIR"/*.jnl
  # How the fixed names fail (clients query 127.0.0.1:DNS_PORT):
  # - timeout.bed.test is delegated to a forward-only zone whose forwarder is this same named.
  #   Forwarded queries leave from 127.0.0.2 (query-source), and 127.0.0.2 is on the blackhole
  #   list, so named drops them unanswered; the original query waits resolver-query-timeout
  #   (30 s) before failing, far longer than a client's timeout.
  # - servfail.bed.test is a configured primary zone whose file does not parse, so named starts
  #   without it and answers SERVFAIL for every name in it.
  cat >"$DIR/named.conf" <<EOF
options {
    directory "$NAMED_DIR";
    pid-file "$NAMED_DIR/named.pid";
    session-keyfile "$NAMED_DIR/session.key";
    managed-keys-directory "$NAMED_DIR";
    dump-file "$NAMED_DIR/cache.dump";
    statistics-file "$NAMED_DIR/named.stats";
    memstatistics-file "$NAMED_DIR/named.memstats";

    listen-on port $DNS_PORT { 127.0.0.1;$NAMED_NODE_LISTEN };
    listen-on-v6 { none; };
    // Outgoing queries can only leave from loopback, and only ever go to loopback.
    query-source address 127.0.0.2;
    blackhole { 127.0.0.2; };

    recursion yes;
    allow-recursion { 127.0.0.1;$NAMED_NODE_CLIENTS };
    allow-query { 127.0.0.1;$NAMED_NODE_CLIENTS };
    allow-query-cache { 127.0.0.1;$NAMED_NODE_CLIENTS };
    allow-transfer { none; };
    notify no;
    dnssec-validation no;
    empty-zones-enable no;
    minimal-responses yes;
    // The large-answer name holds more records than BIND's default limit of 100 per RRset.
    max-records-per-type 1000;
    // Failures must reach every client as they happen, never from a cache.
    servfail-ttl 0;
    resolver-query-timeout 30000;
    version none;
    hostname none;
    server-id none;
};

// No rndc control channel.
controls { };

// Query counters for benchmarks: http://127.0.0.1:$DNS_STATS_PORT/json/v1/server
statistics-channels {
    inet 127.0.0.1 port $DNS_STATS_PORT allow { 127.0.0.1; };
};

// Authoritative for the root, so no query ever needs a server on the internet.
zone "." { type primary; file "root.zone"; };

zone "$ZONE" {
    type primary;
    file "$ZONE.zone";
    allow-update { 127.0.0.1; };
};

// The documentation domains (RFC 2606) that the example policies use; empty until the demo
// fills them with dynamic updates.
$(for zone in $DEMO_ZONES; do
    printf 'zone "%s" { type primary; file "%s.zone"; allow-update { 127.0.0.1; }; };\n' "$zone" "$zone"
  done)

zone "timeout.$ZONE" {
    type forward;
    forward only;
    forwarders { 127.0.0.1 port $DNS_PORT; };
};

zone "servfail.$ZONE" { type primary; file "servfail.zone"; };

// Served by both DNS servers of the bed, with different data, for tests of resolving with
// several servers (the second server is named-alt).
zone "split.$ZONE" { type primary; file "split.zone"; allow-update { 127.0.0.1; }; };
EOF

  cat >"$NAMED_DIR/root.zone" <<'EOF'
$TTL 86400
.        IN SOA  a.root. hostmaster.root. 1 3600 600 86400 60
.        IN NS   a.root.
a.root.  IN A    127.0.0.1
EOF

  printf 'this file is deliberately not a zone file, so that named fails to load it\n' \
    >"$NAMED_DIR/servfail.zone"

  # The fixed names below are part of the TestZone contract in
  # src/test/java/io/fqdnjob/testbed/TestZone.java; keep both in step.
  {
    cat <<EOF
\$ORIGIN $ZONE.
\$TTL 60
; The negative-caching TTL (last SOA field) is short so that NXDOMAIN and NODATA are not cached
; long by clients between tests.
@          IN SOA   ns.$ZONE. hostmaster.$ZONE. 1 3600 600 86400 5
@          IN NS    ns.$ZONE.
ns         IN A     127.0.0.1
timeout    IN NS    ns.timeout.$ZONE.
ns.timeout IN A     127.0.0.1
nodata     IN A     192.0.2.10
chain      IN CNAME chain-2
chain-2    IN CNAME chain-3
chain-3    IN CNAME chain-end
chain-end  IN A     192.0.2.20
loop-a     IN CNAME loop-b
loop-b     IN CNAME loop-a
v6only     IN AAAA  2001:db8::6
dualstack  IN A     192.0.2.46
dualstack  IN AAAA  2001:db8::46
EOF
    local i
    for ((i = 1; i <= LARGE_ANSWER_COUNT; i++)); do
      printf 'large      IN A     198.18.0.%d\n' "$i"
    done
  } >"$NAMED_DIR/$ZONE.zone"

  local demo_zone
  for demo_zone in $DEMO_ZONES; do
    printf '$ORIGIN %s.\n$TTL 60\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 5\n@ IN NS ns.%s.\n' \
      "$demo_zone" "$ZONE" "$ZONE" "$ZONE" >"$NAMED_DIR/$demo_zone.zone"
  done
}

dig_bed() {
  dig -p "$DNS_PORT" @127.0.0.1 +time=1 +tries=1 "$@"
}

named_ready() {
  [ -n "$(dig_bed +short "$ZONE" SOA 2>/dev/null)" ]
}

# A Prometheus Pushgateway, where runs push their metrics (--pushgateway); in memory only.
start_pushgateway() {
  # The persistence file also puts this bed's folder on the command line, which is how `down`
  # recognises the process as this bed's.
  launch pushgateway "$(binary_of pushgateway)" --web.listen-address="127.0.0.1:$PUSHGATEWAY_PORT" \
    --log.level=warn --persistence.file="$RUN/pushgateway.metrics"
}

pushgateway_ready() {
  curl -fsS --max-time 2 "http://127.0.0.1:$PUSHGATEWAY_PORT/-/ready" >/dev/null 2>&1
}

# Toxiproxy: a TCP proxy with faults on demand (stalls, latency, resets), driven by tests through
# its HTTP API on 127.0.0.1; it starts with no proxy. The empty config file puts this bed's folder
# on the command line, which is how `down` recognises the process as this bed's.
start_toxiproxy() {
  echo '[]' >"$RUN/toxiproxy.json"
  launch toxiproxy "$(binary_of toxiproxy)" -host 127.0.0.1 -port "$TOXIPROXY_PORT" \
    -config "$RUN/toxiproxy.json"
}

toxiproxy_ready() {
  curl -fsS --max-time 2 "http://127.0.0.1:$TOXIPROXY_PORT/version" >/dev/null 2>&1
}

# A second, independent DNS server: the same program with its own configuration and its own copy
# of the bed's zone, the demo zones and split.bed.test. The two are the bed's "internet" upstream:
# with a node, CoreDNS forwards each query to one of them at random, and a test can make them
# answer one name differently by updating only one (TestZone and the split zone do).
start_named_alt() {
  local dir="$DIR/named-alt" zone node_listen="" node_clients=""
  mkdir -p "$dir"
  rm -f "$dir"/*.jnl
  if [ "$NODE" = 1 ]; then
    node_listen=" $NODE_IP;"
    node_clients=" $POD_CIDR; $NODE_IP;"
  fi
  cat >"$DIR/named-alt.conf" <<EOF
options {
    directory "$dir";
    pid-file "$dir/named.pid";
    session-keyfile "$dir/session.key";
    managed-keys-directory "$dir";
    listen-on port $DNS_ALT_PORT { 127.0.0.1;$node_listen };
    listen-on-v6 { none; };
    recursion no;
    allow-query { 127.0.0.1;$node_clients };
    allow-transfer { none; };
    notify no;
    dnssec-validation no;
    empty-zones-enable no;
    minimal-responses yes;
    max-records-per-type 1000;
    version none;
};
controls { };
zone "." { type primary; file "root.zone"; };
zone "$ZONE" { type primary; file "$ZONE.zone"; allow-update { 127.0.0.1; }; };
$(for zone in $DEMO_ZONES; do
    printf 'zone "%s" { type primary; file "%s.zone"; allow-update { 127.0.0.1; }; };\n' "$zone" "$zone"
  done)
zone "split.$ZONE" { type primary; file "split.zone"; allow-update { 127.0.0.1; }; };
EOF
  cp "$NAMED_DIR/root.zone" "$NAMED_DIR/$ZONE.zone" "$dir/"
  for zone in $DEMO_ZONES; do cp "$NAMED_DIR/$zone.zone" "$dir/"; done
  split_zone_file >"$dir/split.zone"
  launch named-alt "$(binary_of named-alt)" -g -4 -c "$DIR/named-alt.conf"
}

split_zone_file() {
  printf '$ORIGIN split.%s.\n$TTL 60\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 5\n@ IN NS ns.%s.\n' \
    "$ZONE" "$ZONE" "$ZONE" "$ZONE"
}

named_alt_ready() {
  [ -n "$(dig -p "$DNS_ALT_PORT" @127.0.0.1 +time=1 +tries=1 +short "split.$ZONE" SOA 2>/dev/null)" ]
}

start_named() {
  write_named_files
  split_zone_file >"$NAMED_DIR/split.zone"
  # -g: stay in the foreground and log to stderr (the log file); -4: IPv4 transport only.
  launch named "$(binary_of named)" -g -4 -c "$DIR/named.conf"
}

# ---------------------------------------------------------------------------------------------
# Subcommands

lock() {
  exec 9>"$DIR/.lock"
  flock 9
}

# Puts back the binaries that cmd_up provided (its locals saved_*) after load_state overwrote them.
restore_binaries() {
  BIN_DIR=$saved_bin_dir
  PUSHGATEWAY_BIN=$saved_pushgateway_bin
  TOXIPROXY_BIN=$saved_toxiproxy_bin
  KUBE_ROUTER_BIN=$saved_router_bin
  COREDNS_BIN=$saved_coredns_bin
}

# up [--node]: a bed started with a node keeps it on a later `up` without --node.
cmd_up() {
  local started_at=$SECONDS name any_alive=0 want_node=$1
  for tool in openssl curl python3 flock setsid; do
    command -v "$tool" >/dev/null || die "$tool is required but not installed"
  done
  mkdir -p "$RUN" "$LOGS"
  lock
  ensure_bind
  for name in "${COMPONENTS[@]}"; do
    if is_alive "$name"; then any_alive=1; fi
  done
  # A running node bed serves a plain `up` too.
  [ "$any_alive" = 1 ] && (load_state && [ "${NODE:-0}" = 1 ]) && want_node=1
  if [ "$want_node" = 1 ]; then
    node_preflight
    node_lock
  fi
  local k8s_flags=()
  [ "$want_node" = 1 ] && k8s_flags=(--node)
  BIN_DIR=$("$SCRIPT_DIR/lib/k8s-binaries.sh" "${k8s_flags[@]}") || die "could not provide the Kubernetes binaries (scripts/lib/k8s-binaries.sh)"
  PUSHGATEWAY_BIN=$("$SCRIPT_DIR/lib/pushgateway-binary.sh") || die "could not provide the Pushgateway (scripts/lib/pushgateway-binary.sh)"
  TOXIPROXY_BIN=$("$SCRIPT_DIR/lib/toxiproxy-binary.sh") || die "could not provide Toxiproxy (scripts/lib/toxiproxy-binary.sh)"
  KUBE_ROUTER_BIN="" COREDNS_BIN=""
  if [ "$want_node" = 1 ]; then
    KUBE_ROUTER_BIN=$("$SCRIPT_DIR/lib/kube-router-binary.sh") || die "could not provide kube-router (scripts/lib/kube-router-binary.sh)"
    COREDNS_BIN=$("$SCRIPT_DIR/lib/coredns-binary.sh") || die "could not provide CoreDNS (scripts/lib/coredns-binary.sh)"
  fi

  local saved_bin_dir=$BIN_DIR saved_pushgateway_bin=$PUSHGATEWAY_BIN saved_router_bin=$KUBE_ROUTER_BIN
  local saved_toxiproxy_bin=$TOXIPROXY_BIN saved_coredns_bin=$COREDNS_BIN
  local reuse=0
  if [ "$any_alive" = 1 ] && load_state && [ -n "${TOXIPROXY_PORT:-}" ] && [ "${NODE:-0}" = "$want_node" ]; then
    reuse=1
  fi
  # load_state above read what the running bed was started with, its binaries included; either
  # way the bed goes on with the binaries provided just now (a plain bed restarted with a node
  # recorded no kube-router).
  restore_binaries
  if [ "$reuse" = 1 ]; then
    FRESH=0
    NODE=${NODE:-0}
    log "reusing the running bed in $DIR"
  else
    FRESH=1
    stop_orphans
    [ "$any_alive" = 0 ] || { log "the running bed was started differently; restarting it"; cmd_down_locked; }
    # Stopping this bed gave up its claim on the machine's node (node_lock above): claim it again,
    # or a second bed would not be refused while this one runs the node.
    [ "$want_node" = 0 ] || node_lock
    NODE=$want_node
    read -r ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT DNS_PORT DNS_STATS_PORT PUSHGATEWAY_PORT \
      DNS_ALT_PORT KUBELET_PORT KUBELET_HEALTHZ_PORT PROXY_HEALTHZ_PORT PROXY_METRICS_PORT \
      SCHEDULER_PORT ROUTER_HEALTH_PORT TOXIPROXY_PORT < <(pick_ports 15)
    if [ "$NODE" = 1 ]; then
      # The port real clusters use, so that the job's own NetworkPolicy is tested as shipped.
      API_PORT=$NODE_API_PORT
      ! ss -Hltn "sport = :$API_PORT" | grep -q . || die "port $API_PORT is in use; the node's API server needs it"
      # Long and the most likely to fail, so before anything starts.
      build_node_images
      node_reset_machine
    fi
    save_state
  fi
  set_api_address

  ensure_pki
  write_kubeconfig "$DIR/admin.kubeconfig" fqdn-testbed-admin admin
  write_kubeconfig "$DIR/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  if [ "$NODE" = 1 ]; then
    # The node's address must exist before the API server and named listen on it.
    ensure_bridge
    write_node_files
  fi

  # A failed `up` stops what it started, so that no half-started bed is left behind.
  STARTED=()
  trap 'on_up_exit $?' EXIT

  is_alive named || start_named
  is_alive named-alt || start_named_alt
  is_alive pushgateway || start_pushgateway
  is_alive toxiproxy || start_toxiproxy
  if ! is_alive etcd; then
    start_etcd
    wait_for etcd "etcd on 127.0.0.1:$ETCD_PORT" etcd_healthy
  fi
  if ! is_alive kube-apiserver; then
    start_apiserver
    wait_for kube-apiserver "kube-apiserver on https://127.0.0.1:$API_PORT (/readyz)" apiserver_ready
  fi
  # Started only once the API server is ready: it exits at once when it cannot read its
  # authentication configuration, which the API server's RBAC bootstrap makes readable.
  if ! is_alive kube-controller-manager; then
    install_project_crds
    start_controller_manager
  fi
  wait_for kube-controller-manager "kube-controller-manager on https://127.0.0.1:$KCM_PORT (/healthz)" \
    controller_manager_healthy
  wait_for named "named on 127.0.0.1:$DNS_PORT" named_ready
  wait_for named-alt "the second named on 127.0.0.1:$DNS_ALT_PORT" named_alt_ready
  wait_for pushgateway "pushgateway on 127.0.0.1:$PUSHGATEWAY_PORT" pushgateway_ready
  wait_for toxiproxy "toxiproxy on 127.0.0.1:$TOXIPROXY_PORT" toxiproxy_ready
  # The service account controller creates `default`; tests rely on it, as on a real cluster.
  wait_for kube-controller-manager "the default ServiceAccount of namespace default" \
    default_service_account_exists
  [ "$NODE" = 0 ] || node_up

  trap - EXIT
  log "ready in $((SECONDS - started_at)) s (state in $DIR)"
}

on_up_exit() {
  local rc=$1
  [ "$rc" = 0 ] && return 0
  if [ "${FQDN_TESTBED_KEEP:-}" = 1 ]; then
    log "up failed; FQDN_TESTBED_KEEP=1, so the started processes stay for inspection"
  elif [ "${#STARTED[@]}" -gt 0 ]; then
    log "up failed; stopping what this run started: ${STARTED[*]}"
    local name
    [ "${NODE:-0}" = 0 ] || node_down
    for name in "${CONTROL_PLANE[@]}"; do
      [[ " ${STARTED[*]} " == *" $name "* ]] && stop_components "$name"
    done
  fi
  exit "$rc"
}

cmd_down() {
  mkdir -p "$RUN"
  lock
  local started_at=$SECONDS
  load_state || true
  cmd_down_locked
  log "stopped in $((SECONDS - started_at)) s"
}

# Stops everything; the caller holds the lock.
cmd_down_locked() {
  # The node first: its pods and what they left; kubelet would otherwise restart them.
  node_down
  # Clients of etcd first, so that they do not log errors about a vanished store.
  stop_components kube-controller-manager kube-apiserver toxiproxy pushgateway named-alt named
  stop_components etcd
  stop_orphans
  await_reaping
}

# Exit status: 0 all running and healthy, 3 nothing running, 1 partly running or unhealthy.
cmd_status() {
  local name alive=0 healthy=0 check components=("${CONTROL_PLANE[@]}")
  load_state || { log "not running (no state in $DIR)"; exit 3; }
  set_api_address
  [ "${NODE:-0}" = 0 ] || components=("${COMPONENTS[@]}")
  for name in "${components[@]}"; do
    case $name in
      containerd) check=containerd_ready ;;
      kubelet) check=node_ready ;;
      kube-proxy) check=kube_proxy_healthy ;;
      kube-router) check=kube_router_healthy ;;
      kube-scheduler) check=scheduler_healthy ;;
      etcd) check=etcd_healthy ;;
      kube-apiserver) check=apiserver_ready ;;
      kube-controller-manager) check=controller_manager_healthy ;;
      named) check=named_ready ;;
      named-alt) check=named_alt_ready ;;
      pushgateway) check=pushgateway_ready ;;
      toxiproxy) check=toxiproxy_ready ;;
    esac
    if is_alive "$name"; then
      alive=$((alive + 1))
      if $check; then
        healthy=$((healthy + 1))
        log "$name: running, healthy (pid $(pid_of "$name"))"
      else
        log "$name: running, NOT healthy (pid $(pid_of "$name"))"
      fi
    else
      log "$name: not running"
    fi
  done
  [ "$alive" = 0 ] && exit 3
  [ "$healthy" = "${#components[@]}" ] || exit 1
}

cmd_env() {
  load_state || die "the test bed has never been started in $DIR; run scripts/testbed.sh up"
  local q="'"
  # Values are single-quoted; the folder is the only free-form part and must not contain quotes.
  [[ $DIR != *"$q"* ]] || die "the state folder path must not contain a single quote: $DIR"
  set_api_address
  cat <<EOF
export FQDN_TESTBED_DIR='$DIR'
export KUBECONFIG='$DIR/admin.kubeconfig'
export FQDN_TESTBED_KUBECTL='$BIN_DIR/kubectl'
export FQDN_TESTBED_API_SERVER='https://$API_ADDRESS:$API_PORT'
export FQDN_TESTBED_CA='$PKI/ca.crt'
export FQDN_TESTBED_DNS='127.0.0.1:$DNS_PORT'
export FQDN_TESTBED_DNS_STATS='http://127.0.0.1:$DNS_STATS_PORT/json/v1/server'
export FQDN_TESTBED_ZONE='$ZONE.'
export FQDN_TESTBED_PUSHGATEWAY='http://127.0.0.1:$PUSHGATEWAY_PORT'
export FQDN_TESTBED_TOXIPROXY='http://127.0.0.1:$TOXIPROXY_PORT'
export FQDN_TESTBED_ETCD='https://127.0.0.1:$ETCD_PORT'
export FQDN_TESTBED_DNS_ALT='127.0.0.1:$DNS_ALT_PORT'
export FQDN_TESTBED_SPLIT_ZONE='split.$ZONE.'
export FQDN_TESTBED_UPSTREAM_DNS='127.0.0.1:$DNS_PORT 127.0.0.1:$DNS_ALT_PORT'
EOF
  [ "${NODE:-0}" = 1 ] || { echo "export FQDN_TESTBED_CLUSTER_DNS='none'"; return 0; }
  cat <<EOF
export FQDN_TESTBED_NODE='$NODE_NAME'
export FQDN_TESTBED_NODE_IP='$NODE_IP'
export FQDN_TESTBED_POD_CIDR='$POD_CIDR'
export FQDN_TESTBED_POD_DNS='$NODE_IP:$DNS_PORT'
export FQDN_TESTBED_CONTAINERD='$CONTAINERD_SOCK'
export FQDN_TESTBED_IMAGE='$NODE_IMAGE'
export FQDN_TESTBED_TOOLS_IMAGE='$TOOLS_IMAGE'
export FQDN_TESTBED_CLUSTER_DNS='coredns $(coredns_version), $COREDNS_REPLICAS replicas'
export FQDN_TESTBED_POD_UPSTREAM_DNS='$NODE_IP:$DNS_PORT $NODE_IP:$DNS_ALT_PORT'
EOF
}

main() {
  [ $# -ge 1 ] || usage
  set_paths
  case "$*" in
    up) cmd_up 0 ;;
    "up --node") cmd_up 1 ;;
    down) cmd_down ;;
    env) cmd_env ;;
    status) cmd_status ;;
    *) usage ;;
  esac
}

main "$@"
