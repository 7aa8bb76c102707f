#!/usr/bin/env bash
# The demo: on a fresh machine, brings up a local Kubernetes API server and DNS server (the test
# bed), installs the CRD and the example policies, serves the example names from the local DNS
# server, runs the job once, shows the results, and tears everything down.
#
# FQDN_DEMO_KEEP=1 leaves the bed running afterwards and prints how to reach it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export FQDN_TESTBED_DIR="${FQDN_DEMO_DIR:-$root/target/demo-bed}"
namespace=demo

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting a local API server, controller manager and DNS server (first time: builds Kubernetes)"
scripts/testbed.sh up
if [ "${FQDN_DEMO_KEEP:-}" != 1 ]; then
  trap 'step "Stopping the local cluster and DNS server"; scripts/testbed.sh down' EXIT
fi
eval "$(scripts/testbed.sh env)"
kubectl() { "$FQDN_TESTBED_KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

step "Serving the example names from the local DNS server ($FQDN_TESTBED_DNS)"
# One name points at the cloud metadata address, as a DNS rebinding attack would; one points at
# a private address that only its rule allows; logs.example.net does not exist at all.
{
  echo "server 127.0.0.1 ${FQDN_TESTBED_DNS##*:}"
  echo "zone example.com"
  echo "update delete api.example.com"
  echo "update add api.example.com 60 A 203.0.113.10"
  echo "update add api.example.com 60 A 203.0.113.11"
  echo "update delete payments.example.com"
  echo "update add payments.example.com 60 A 203.0.113.20"
  echo "update delete invoices.example.com"
  echo "update add invoices.example.com 60 A 203.0.113.21"
  echo "update add invoices.example.com 60 A 169.254.169.254"
  echo "send"
  echo "zone example.net"
  echo "update delete mirror.example.net"
  echo "update add mirror.example.net 60 A 192.0.2.80"
  echo "update add mirror.example.net 60 AAAA 2001:db8::80"
  echo "update delete v6.mirror.example.net"
  echo "update add v6.mirror.example.net 60 AAAA 2001:db8::81"
  echo "update delete cdn.example.net"
  echo "update add cdn.example.net 60 A 198.51.100.7"
  echo "send"
  echo "zone example.org"
  echo "update delete static.example.org"
  echo "update add static.example.org 60 CNAME cdn.example.net."
  echo "update delete db.billing.example.org"
  echo "update add db.billing.example.org 60 A 10.20.0.5"
  echo "send"
} | nsupdate
for name in api.example.com invoices.example.com static.example.org logs.example.net; do
  printf '  %-24s %s\n' "$name" "$(dig -p "${FQDN_TESTBED_DNS##*:}" @127.0.0.1 +short "$name" A | paste -sd' ' -)"
done

step "Installing the CRD and the example policies (kustomize/examples) in namespace $namespace"
kubectl apply --server-side -k kustomize/base/crd >/dev/null
kubectl wait --for=condition=Established --timeout=60s crd/fqdnnetworkpolicies.fqdn.konsole.is >/dev/null
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply --server-side -n "$namespace" -k kustomize/examples

step "Running the job once: scripts/fqdn-job run --dns-server $FQDN_TESTBED_DNS"
status=0
scripts/fqdn-job run --kubeconfig "$KUBECONFIG" --dns-server "$FQDN_TESTBED_DNS" || status=$?

step "kubectl get fqdn -n $namespace"
kubectl get fqdn -n "$namespace"

step "Per-name status of billing (the metadata address is resolved but never applied)"
kubectl get fqdn billing -n "$namespace" \
  -o jsonpath='{range .status.fqdns[*]}{.fqdn}{"\t"}{.resolveReason}{"\t"}{.addresses}{"\n"}{end}'

step "The generated NetworkPolicy billing"
kubectl get networkpolicy billing -n "$namespace" -o yaml \
  | sed -n '/^spec:/,$p'

step "log-shipping: its only name does not exist, so egress is denied, never opened"
kubectl get networkpolicy log-shipping -n "$namespace" -o jsonpath='{.spec}{"\n"}'

if [ "${FQDN_DEMO_KEEP:-}" = 1 ]; then
  step "The bed keeps running; to use it:"
  echo "  eval \"\$(FQDN_TESTBED_DIR=$FQDN_TESTBED_DIR scripts/testbed.sh env)\""
  echo "  FQDN_TESTBED_DIR=$FQDN_TESTBED_DIR scripts/testbed.sh down   # when done"
fi
exit "$status"
