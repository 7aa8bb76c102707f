#!/usr/bin/env bash
# The demo: on a fresh machine, brings up the test bed with a real node (a Kubernetes control
# plane, a kubelet running pods, kube-router enforcing NetworkPolicies, BIND as the DNS server),
# installs fqdn-job the way the README says (its own image, built here), and shows:
#   1. the CronJob's pod running the job, as user 65532, and the NetworkPolicy it wrote;
#   2. a pod selected by an fqdn resource connecting to the address its name resolves to;
#   3. the name moving to another address: after the next run the old address is refused and the
#      new one allowed.
# Everything stays on this machine. The first time builds Kubernetes, kube-router and the images
# (many minutes); after that it takes about two minutes.
#
# FQDN_DEMO_KEEP=1 leaves the bed running afterwards and prints how to reach it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export FQDN_TESTBED_DIR="${FQDN_DEMO_DIR:-$root/target/demo-bed}"
namespace=demo
name=api.example.com

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }

step "Starting a local cluster with one node, and a DNS server (first time: builds everything)"
scripts/testbed.sh up --node
if [ "${FQDN_DEMO_KEEP:-}" != 1 ]; then
  trap 'step "Stopping the local cluster, its node and the DNS server"; scripts/testbed.sh down' EXIT
fi
eval "$(scripts/testbed.sh env)"
kubectl() { "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
pod_dns_port=${FQDN_TESTBED_POD_DNS##*:}

# set_a NAME ADDRESS: the DNS servers now answer NAME with ADDRESS alone (TTL 5 s). Both of them:
# the cluster DNS (CoreDNS) forwards each query to either.
set_a() {
  local server
  for server in $FQDN_TESTBED_UPSTREAM_DNS; do
    printf 'server %s %s\nzone example.com\nupdate delete %s A\nupdate add %s 5 A %s\nsend\n' \
      "${server%:*}" "${server##*:}" "$1" "$1" "$2" | nsupdate
  done
}

# A pod of the busybox image used by the bed's tests, under the restricted profile.
pod() {
  local pod=$1 labels=$2
  shift 2
  kubectl apply -n "$namespace" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $pod, labels: {$labels}}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: $FQDN_TESTBED_TOOLS_IMAGE
      command: ["sh", "-c", "$*"]
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
EOF
}

# connect POD IP PORT: prints "allowed" or "refused" as seen from inside the pod.
connect() {
  if kubectl exec -n "$namespace" "$1" -- nc -w 2 "$2" "$3" </dev/null >/dev/null 2>&1; then
    echo allowed
  else
    echo refused
  fi
}

# await_connect POD IP PORT EXPECTED: kube-router applies a policy change within seconds.
await_connect() {
  local seen deadline=$((SECONDS + 30))
  while seen=$(connect "$1" "$2" "$3") && [ "$seen" != "$4" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 1
  done
  say "client -> $2:$3   $seen"
}

step "Two web servers and a client pod in namespace $namespace"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
pod server-a "role: server" "nc -ll -p 8443 -e /bin/true"
pod server-b "role: server" "nc -ll -p 8443 -e /bin/true"
pod client "app: web" "sleep 3600"
kubectl wait -n "$namespace" --for=condition=Ready --timeout=120s pod/server-a pod/server-b pod/client >/dev/null
a=$(kubectl get pod -n "$namespace" server-a -o jsonpath='{.status.podIP}')
b=$(kubectl get pod -n "$namespace" server-b -o jsonpath='{.status.podIP}')
say "server-a $a, server-b $b; $name resolves to server-a"
set_a "$name" "$a"
say "before any policy:"
await_connect client "$a" 8443 allowed
await_connect client "$b" 8443 allowed

step "Installing fqdn-job as the README says: kubectl apply --server-side -k (image $FQDN_TESTBED_IMAGE)"
install=$FQDN_TESTBED_DIR/install
mkdir -p "$install"
overlay=$(realpath --relative-to="$install" "$root/kustomize/overlays/custom-dns")
# The custom-dns overlay (kustomize wants a relative path) with the locally built image and the bed's DNS server, the one pods reach
# at $FQDN_TESTBED_POD_DNS (an air-gapped cluster's own DNS server).
cat >"$install/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $overlay
images:
  - name: fqdn-job.invalid/fqdn-job
    newName: ${FQDN_TESTBED_IMAGE%:*}
    newTag: ${FQDN_TESTBED_IMAGE##*:}
patches:
  - target: {kind: CronJob, name: fqdn-job}
    patch: |
      - op: replace
        path: /spec/jobTemplate/spec/template/spec/containers/0/args
        value: [run, --all-namespaces, --deadline, 40s, --dns-server, "$FQDN_TESTBED_POD_DNS"]
  - target: {kind: NetworkPolicy, name: fqdn-job}
    patch: |
      - op: replace
        path: /spec/egress/3
        value:
          to: [{ipBlock: {cidr: $FQDN_TESTBED_NODE_IP/32}}]
          ports: [{protocol: UDP, port: $pod_dns_port}, {protocol: TCP, port: $pod_dns_port}]
EOF
kubectl apply --server-side -k "$install" | sed 's/^/   /'
kubectl apply -n "$namespace" -f - >/dev/null <<EOF
apiVersion: fqdn.konsole.is/v1alpha1
kind: NetworkPolicy
metadata: {name: web}
spec:
  # Looked up again on every run at least 5 s after the last lookup (the least allowed).
  ttlSeconds: 5
  podSelector: {matchLabels: {app: web}}
  egress:
    - toFQDNS: [$name]
      ports: [{protocol: TCP, port: 8443}]
EOF

# run_job N: one run now, from the CronJob's template, as `kubectl create job --from` does.
run_job() {
  job=demo-$1-$(date +%s)
  kubectl create job -n fqdn-job-system --from=cronjob/fqdn-job "$job" >/dev/null
  kubectl wait -n fqdn-job-system --for=condition=Complete --timeout=120s "job/$job" >/dev/null \
    || { kubectl logs -n fqdn-job-system "job/$job" >&2 || true; exit 1; }
}

step "A run of the CronJob's pod (kubectl create job --from=cronjob/fqdn-job)"
run_job 1
kubectl get pods -n fqdn-job-system -l "job-name=$job" \
  -o custom-columns='POD:.metadata.name,STATUS:.status.phase,USER:.spec.securityContext.runAsUser,READ-ONLY ROOT:.spec.containers[0].securityContext.readOnlyRootFilesystem' \
  | sed 's/^/   /'
say "its log:"
kubectl logs -n fqdn-job-system "job/$job" | tail -n 3 | sed 's/^/     /'
kubectl get fqdn -n "$namespace" | sed 's/^/   /'
say "NetworkPolicy web: $(kubectl get networkpolicy web -n "$namespace" -o jsonpath='{.spec.egress}')"

step "The client may reach $name ($a) on port 8443, and nothing else"
await_connect client "$b" 8443 refused
await_connect client "$a" 8443 allowed

step "$name moves to server-b ($b); the next run follows it"
set_a "$name" "$b"
run_job 2
say "NetworkPolicy web: $(kubectl get networkpolicy web -n "$namespace" -o jsonpath='{.spec.egress}')"
await_connect client "$a" 8443 refused
await_connect client "$b" 8443 allowed

if [ "${FQDN_DEMO_KEEP:-}" = 1 ]; then
  step "The bed keeps running; to use it:"
  echo "  eval \"\$(FQDN_TESTBED_DIR=$FQDN_TESTBED_DIR scripts/testbed.sh env)\""
  echo "  FQDN_TESTBED_DIR=$FQDN_TESTBED_DIR scripts/testbed.sh down   # when done"
fi
