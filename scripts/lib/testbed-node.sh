# shellcheck shell=bash
# The test bed's node, sourced by scripts/testbed.sh (`up --node`): one Kubernetes node on this
# machine that runs real pods and enforces NetworkPolicies.
#
#   containerd + runc      Debian packages; CRI plugin, cgroupfs, its own socket and folders
#   CNI                    Debian's bridge, host-local and loopback plugins on the bridge fqdnbr0
#   kubelet, kube-proxy,   built from the same Kubernetes modules as the API server
#   kube-scheduler         (scripts/lib/k8s-binaries.sh --node); kube-proxy in iptables mode
#   kube-router            only its firewall controller: the NetworkPolicy enforcer, iptables and
#                          ipset (scripts/lib/kube-router-binary.sh); test-only, see SECURITY.md
#   CoreDNS                the cluster DNS, as kubeadm deploys it: a Deployment of 2 replicas in
#                          kube-system (k8s-app: kube-dns) behind the Service kube-dns
#                          (10.0.0.10:53, the pods' resolver), each with its own cache (cache 30),
#                          forwarding at random to the bed's two BIND servers on the node's address
#                          (scripts/lib/coredns-binary.sh); test-only, see SECURITY.md
#   images                 built here by scripts/image.sh and imported into the node's containerd:
#                          the product image, a pause image, a busybox image for test pods, a
#                          CoreDNS image and a Pushgateway image (the bed's binary)
#
# The node's address is the bridge's own address (kubelet refuses loopback addresses). In node
# mode the API server listens on that address, port 6443, and advertises it: pods reach it through
# the `kubernetes` Service (10.0.0.1:443), translated by kube-proxy to NODE_IP:6443 before any
# NetworkPolicy sees the packet, as on most clusters. Both BIND servers listen there too: they are
# the "internet" that CoreDNS forwards to.
#
# The bridge, the iptables chains and the cgroups are machine-wide, so one node runs per machine.
# `down` removes all of it: pods and their network namespaces, mounts, iptables chains (KUBE-*),
# ipsets, cgroups and the bridge, and restores net.ipv4.ip_forward.

NODE_NAME=fqdn-testbed-node
NODE_BRIDGE=fqdnbr0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
NODE_API_PORT=6443
CLUSTER_DNS_IP=10.0.0.10
CGROUP_ROOT=fqdn-testbed
NODE_COMPONENTS=(kubelet kube-router kube-proxy kube-scheduler containerd)
NODE_LOCK=/run/fqdn-job-testbed-node.lock
CNI_NETWORK=fqdn-testbed
TOOLS_IMAGE=fqdn-job.local/bed-tools:1
PAUSE_IMAGE=fqdn-job.local/pause:3.10
COREDNS_IMAGE=fqdn-job.local/coredns:bed
PUSHGATEWAY_IMAGE=fqdn-job.local/pushgateway:bed
COREDNS_REPLICAS=2

node_paths() {
  NODE_DIR="$DIR/node"
  CONTAINERD_SOCK="$RUN/containerd.sock"
  IMAGES_DIR="$NODE_DIR/images"
}

# ---------------------------------------------------------------------------------------------
# Preflight: every missing piece is named with the way to get it.

node_preflight() {
  [ "$(id -u)" = 0 ] || die "a node needs root (network namespaces, iptables, cgroups, mounts)"
  local missing=() cmd
  for cmd in containerd runc ctr ip iptables ipset conntrack dockerd gcc busybox; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
  done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ] \
    || missing+=(cni-plugins)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "node: missing ${missing[*]}; installing containerd, runc, docker.io, iptables, ipset, conntrack, containernetworking-plugins, busybox-static and gcc with apt-get"
    command -v apt-get >/dev/null || die "install containerd, runc, docker.io, iptables, ipset, conntrack, containernetworking-plugins, busybox-static and gcc (missing: ${missing[*]})"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      containerd runc docker.io iptables ipset conntrack containernetworking-plugins busybox-static gcc libc6-dev) \
      >"$LOGS/apt-get-node.log" 2>&1 || die "apt-get install of the node's packages failed; see $LOGS/apt-get-node.log"
  fi
  # Kernel features the node cannot do without; none can be loaded as a module here.
  [ -d /proc/sys/net/bridge ] \
    || die "the kernel lacks br_netfilter (/proc/sys/net/bridge): bridged pod traffic would bypass iptables, so no NetworkPolicy could be enforced"
  [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] \
    || die "cgroup v1 controllers (memory, cpu) are not mounted under /sys/fs/cgroup; the node is set up for cgroup v1 with the cgroupfs driver"
  ip link add fqdnprobe0 type bridge 2>/dev/null && ip link del fqdnprobe0 \
    || die "cannot create a bridge interface (ip link add type bridge); the kernel needs bridge support"
  ipset list -n >/dev/null 2>&1 || die "ipset does not work here (ipset list -n failed); the kernel needs ip_set"
  iptables -t nat -S >/dev/null 2>&1 || die "iptables does not work here (iptables -t nat -S failed)"
}

# ---------------------------------------------------------------------------------------------
# Network: the bridge that carries the node's address, before anything listens on it.

ensure_bridge() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    log "node: creating bridge $NODE_BRIDGE with $NODE_IP/${POD_CIDR#*/}"
    ip link add "$NODE_BRIDGE" type bridge
  fi
  local addresses
  addresses=$(ip -o -4 addr show dev "$NODE_BRIDGE")
  [[ $addresses == *" $NODE_IP/"* ]] || ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  [ -f "$NODE_DIR/ip_forward.saved" ] || cat /proc/sys/net/ipv4/ip_forward >"$NODE_DIR/ip_forward.saved"
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 \
    || die "cannot set net.ipv4.ip_forward and net.bridge.bridge-nf-call-iptables"
}

# ---------------------------------------------------------------------------------------------
# Configuration files

write_node_files() {
  mkdir -p "$NODE_DIR/cni" "$NODE_DIR/kubelet" "$NODE_DIR/pod-logs" "$NODE_DIR/containerd" "$IMAGES_DIR"
  issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  issue kubelet-serving "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  issue kube-proxy "/CN=system:kube-proxy" clientAuth
  issue kube-scheduler "/CN=system:kube-scheduler" clientAuth
  issue kube-scheduler-serving "/CN=kube-scheduler" serverAuth "IP:127.0.0.1,DNS:localhost"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  write_kubeconfig "$DIR/kubelet.kubeconfig" "system:node:$NODE_NAME" kubelet
  write_kubeconfig "$DIR/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
  write_kubeconfig "$DIR/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler

  cat >"$NODE_DIR/containerd.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
# Keeps the node's shim sockets apart from any other containerd on the machine.
temp = "$NODE_DIR/containerd/tmp"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  level = "warn"

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine refuses negative oom_score_adj even to root; without this every sandbox fails
  # with "runc create failed: ... can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni"
    max_conf_num = 1
EOF

  # No masquerading: nothing leaves the machine, and pods see each other's real addresses.
  cat >"$NODE_DIR/cni/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_DIR/cni-ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

  # Pods resolve through the kube-dns Service; the node's own resolver is never handed to a pod.
  printf 'nameserver %s\n' "$CLUSTER_DNS_IP" >"$NODE_DIR/resolv.conf"

  cat >"$NODE_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The machine is cgroup v1, which kubelet refuses by default since v1.35.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
clusterDNS: [$CLUSTER_DNS_IP]
clusterDomain: cluster.local
resolvConf: $NODE_DIR/resolv.conf
podCIDR: $POD_CIDR
podLogsDir: $NODE_DIR/pod-logs
maxPods: 60
failSwapOn: false
serializeImagePulls: false
# The shared machine's disk and memory say nothing about the bed: never evict, never collect
# the locally built images (they cannot be pulled again).
evictionHard: {memory.available: "0%", nodefs.available: "0%", imagefs.available: "0%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
enforceNodeAllocatable: []
syncFrequency: 10s
fileCheckFrequency: 0s
EOF
}

# ---------------------------------------------------------------------------------------------
# Images: built by scripts/image.sh, imported into the node's containerd.

build_node_images() {
  mkdir -p "$IMAGES_DIR"
  local dockerd="$SCRIPT_DIR/lib/dockerd.sh" started=0 version
  log "node: building the images (scripts/image.sh; log in $LOGS/images.log)"
  : >"$LOGS/images.log"
  if ! "$dockerd" status >/dev/null 2>&1; then
    "$dockerd" start >>"$LOGS/images.log" 2>&1 \
      || die "the private Docker daemon did not start (scripts/lib/dockerd.sh start); see $LOGS/images.log"
    started=1
  fi
  FQDN_DOCKER_HOST=$("$dockerd" host)
  export FQDN_DOCKER_HOST
  version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$REPO_ROOT/pom.xml" | head -n1)
  NODE_IMAGE="fqdn-job:$version"
  {
    "$REPO_ROOT/scripts/image.sh" --tag "$NODE_IMAGE" --save "$IMAGES_DIR/product.tar" \
      && "$REPO_ROOT/scripts/image.sh" --pause --tag "$PAUSE_IMAGE" --save "$IMAGES_DIR/pause.tar" \
      && build_tools_image && build_coredns_image && build_pushgateway_image
  } >>"$LOGS/images.log" 2>&1 || {
    tail -n 20 "$LOGS/images.log" >&2
    [ "$started" = 0 ] || "$dockerd" stop >/dev/null 2>&1 || true
    die "building the node's images failed; see $LOGS/images.log"
  }
  [ "$started" = 0 ] || "$dockerd" stop >>"$LOGS/images.log" 2>&1 || true
}

# Busybox for test pods: a shell, nc, nslookup (from Debian's busybox-static); and dns-client, a
# client that resolves through the C library before each connection (scripts/lib/dns-client.c).
build_tools_image() {
  local context="$IMAGES_DIR/tools-context"
  rm -rf "$context"
  mkdir -p "$context"
  cp /bin/busybox "$context/busybox"
  # getaddrinfo in a static program draws a linker warning about NSS modules; DNS needs none.
  gcc -static -O2 -Wall -o "$context/dns-client" "$SCRIPT_DIR/lib/dns-client.c" 2>/dev/null \
    || gcc -static -O2 -Wall -o "$context/dns-client" "$SCRIPT_DIR/lib/dns-client.c"
  cat >"$context/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
COPY dns-client /bin/dns-client
RUN ["/bin/busybox", "--install", "-s", "/bin"]
USER 65532:65532
ENTRYPOINT ["/bin/sh"]
EOF
  build_context_image "$context" "$TOOLS_IMAGE" tools
}

# build_context_image CONTEXT TAG NAME: builds the image of CONTEXT's Dockerfile offline, saves it
# to $IMAGES_DIR/NAME.tar for the node's containerd, and removes CONTEXT.
build_context_image() {
  DOCKER_HOST=$FQDN_DOCKER_HOST DOCKER_BUILDKIT=0 /usr/bin/docker build -q --network=none \
    -t "$2" "$1"
  DOCKER_HOST=$FQDN_DOCKER_HOST /usr/bin/docker save -o "$IMAGES_DIR/$3.tar" "$2"
  rm -rf "$1"
}

# CoreDNS, a static binary, alone in an image; it runs as user 65532 like the other pods.
build_coredns_image() {
  local context="$IMAGES_DIR/coredns-context"
  rm -rf "$context"
  mkdir -p "$context"
  cp "$COREDNS_BIN" "$context/coredns"
  cat >"$context/Dockerfile" <<'EOF'
FROM scratch
COPY coredns /coredns
USER 65532:65532
ENTRYPOINT ["/coredns"]
EOF
  build_context_image "$context" "$COREDNS_IMAGE" coredns
}

# The bed's Pushgateway binary (scripts/lib/pushgateway-binary.sh), alone in an image, for tests
# that run a gateway as a pod (the one on 127.0.0.1 is out of the pods' reach); user 65532.
build_pushgateway_image() {
  local context="$IMAGES_DIR/pushgateway-context"
  rm -rf "$context"
  mkdir -p "$context"
  cp "$PUSHGATEWAY_BIN" "$context/pushgateway"
  cat >"$context/Dockerfile" <<'EOF'
FROM scratch
COPY pushgateway /pushgateway
USER 65532:65532
ENTRYPOINT ["/pushgateway"]
EOF
  build_context_image "$context" "$PUSHGATEWAY_IMAGE" pushgateway
}

# The version of the CoreDNS binary: its folder in the cache is named after it (go-binary.sh).
coredns_version() {
  basename "$(dirname "$(dirname "${COREDNS_BIN:-unknown/none/x}")")"
}

import_node_images() {
  local tar
  for tar in "$IMAGES_DIR"/*.tar; do
    ctr --address "$CONTAINERD_SOCK" -n k8s.io images import "$tar" >>"$LOGS/images.log" 2>&1 \
      || die "importing $tar into the node's containerd failed; see $LOGS/images.log"
  done
}

# ---------------------------------------------------------------------------------------------
# Processes

containerd_ready() {
  ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1
}

start_containerd() {
  mkdir -p "$NODE_DIR/containerd/tmp"
  launch containerd containerd --config "$NODE_DIR/containerd.toml"
}

start_scheduler() {
  launch kube-scheduler "$(binary_of kube-scheduler)" \
    --kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
    --tls-cert-file="$PKI/kube-scheduler-serving.crt" \
    --tls-private-key-file="$PKI/kube-scheduler-serving.key" \
    --client-ca-file="$PKI/ca.crt" --leader-elect=false --profiling=false
}

scheduler_healthy() {
  curl_tls "https://127.0.0.1:$SCHEDULER_PORT/healthz" >/dev/null 2>&1
}

start_kubelet() {
  mkdir -p "/sys/fs/cgroup/systemd/$CGROUP_ROOT" 2>/dev/null || true
  local controller
  for controller in /sys/fs/cgroup/*/; do
    [ "$controller" = /sys/fs/cgroup/unified/ ] && continue
    mkdir -p "$controller$CGROUP_ROOT" 2>/dev/null || true
  done
  launch kubelet "$(binary_of kubelet)" --config="$NODE_DIR/kubelet.yaml" \
    --kubeconfig="$DIR/kubelet.kubeconfig" --root-dir="$NODE_DIR/kubelet" \
    --cert-dir="$NODE_DIR/kubelet-certs" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" \
    --v=1
}

kubelet_healthy() {
  curl -sf --max-time 3 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" >/dev/null 2>&1
}

node_registered() {
  kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1
}

node_ready() {
  [ "$(kubectl_admin get node "$NODE_NAME" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start_kube_proxy() {
  # conntrack and localhost-nodeport sysctls are left alone: the bed needs none of them.
  launch kube-proxy "$(binary_of kube-proxy)" --kubeconfig="$DIR/kube-proxy.kubeconfig" \
    --hostname-override="$NODE_NAME" --proxy-mode=iptables --cluster-cidr="$POD_CIDR" \
    --bind-address="$NODE_IP" --healthz-bind-address="127.0.0.1:$PROXY_HEALTHZ_PORT" \
    --metrics-bind-address="127.0.0.1:$PROXY_METRICS_PORT" \
    --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 \
    --conntrack-tcp-timeout-close-wait=0 --iptables-localhost-nodeports=false \
    --iptables-sync-period=5s --iptables-min-sync-period=0s --v=1
}

kube_proxy_healthy() {
  curl -sf --max-time 3 "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz" >/dev/null 2>&1
}

kube_proxy_programmed() {
  local rules
  rules=$(iptables -t nat -S KUBE-SERVICES 2>/dev/null) && [[ $rules == *"default/kubernetes:https"* ]]
}

start_kube_router() {
  launch kube-router "$KUBE_ROUTER_BIN" --kubeconfig="$DIR/admin.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false \
    --hostname-override="$NODE_NAME" --service-cluster-ip-range="$SERVICE_CIDR" \
    --enable-ipv4=true --enable-ipv6=false --enable-cni=false \
    --health-port="$ROUTER_HEALTH_PORT" --metrics-port=0 --iptables-sync-period=30s --v=1
}

kube_router_healthy() {
  curl -sf --max-time 3 "http://127.0.0.1:$ROUTER_HEALTH_PORT/healthz" >/dev/null 2>&1
}

kubectl_admin() {
  "$BIN_DIR/kubectl" --kubeconfig "$DIR/admin.kubeconfig" --request-timeout=10s "$@"
}

# The cluster DNS as kubeadm installs it: CoreDNS in kube-system with its ServiceAccount, RBAC,
# Corefile and Deployment, behind the kube-dns Service. The Corefile is kubeadm's default but for
# `forward`, which sends each query to one of the bed's two BIND servers at random (as a pool of
# anycast resolvers does) instead of the node's /etc/resolv.conf. Each replica keeps a cache of its
# own (cache 30), so what a pod is told depends on the replica it reaches and on when that replica
# last asked upstream. The replicas listen on 53 as user 65532 through the safe sysctl
# net.ipv4.ip_unprivileged_port_start, where kubeadm's image grants the binary a capability.
install_cluster_dns() {
  # A bed of an earlier version pointed the Service at named through a slice of its own.
  kubectl_admin delete endpointslice -n kube-system kube-dns-testbed --ignore-not-found \
    >"$LOGS/cluster-dns.log" 2>&1 || true
  kubectl_admin apply --server-side --force-conflicts --field-manager=fqdn-testbed -f - \
    >>"$LOGS/cluster-dns.log" 2>&1 <<EOF || die "installing CoreDNS failed; see $LOGS/cluster-dns.log"
apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:coredns
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:coredns
subjects:
  - kind: ServiceAccount
    name: coredns
    namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . $NODE_IP:$DNS_PORT $NODE_IP:$DNS_ALT_PORT {
           max_concurrent 1000
           policy random
        }
        cache 30 {
           disable success cluster.local
           disable denial cluster.local
        }
        loop
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  replicas: $COREDNS_REPLICAS
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 1}
  selector:
    matchLabels: {k8s-app: kube-dns}
  template:
    metadata:
      labels: {k8s-app: kube-dns}
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile: {type: RuntimeDefault}
        sysctls:
          - {name: net.ipv4.ip_unprivileged_port_start, value: "53"}
      containers:
        - name: coredns
          image: $COREDNS_IMAGE
          imagePullPolicy: Never
          args: [-conf, /etc/coredns/Corefile]
          resources:
            limits: {memory: 170Mi}
            requests: {cpu: 100m, memory: 70Mi}
          volumeMounts:
            - {name: config-volume, mountPath: /etc/coredns, readOnly: true}
          ports:
            - {containerPort: 53, name: dns, protocol: UDP}
            - {containerPort: 53, name: dns-tcp, protocol: TCP}
            - {containerPort: 9153, name: metrics, protocol: TCP}
          livenessProbe:
            httpGet: {path: /health, port: 8080}
            initialDelaySeconds: 60
            timeoutSeconds: 5
            successThreshold: 1
            failureThreshold: 5
          readinessProbe:
            httpGet: {path: /ready, port: 8181}
            periodSeconds: 2
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
      volumes:
        - name: config-volume
          configMap:
            name: coredns
            items: [{key: Corefile, path: Corefile}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: $CLUSTER_DNS_IP
  ports:
    - {name: dns, port: 53, protocol: UDP, targetPort: 53}
    - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
    - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
EOF
}

# Every replica is Ready and behind the Service.
cluster_dns_ready() {
  local ready
  ready=$(kubectl_admin get endpointslices -n kube-system -l kubernetes.io/service-name=kube-dns \
    -o 'jsonpath={range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' \
    2>/dev/null | grep -c .) || true
  [ "${ready:-0}" -ge "$COREDNS_REPLICAS" ]
}

# One node per machine: the bridge, iptables and cgroups are the machine's.
node_lock() {
  exec 7>"$NODE_LOCK"
  flock 7
  local owner
  owner=$(cat "$NODE_LOCK.owner" 2>/dev/null) || owner=""
  if [ -n "$owner" ] && [ "$owner" != "$DIR" ] && pgrep -f "kubelet .*$owner/" >/dev/null; then
    die "the test bed in $owner runs a node on this machine; stop it first: FQDN_TESTBED_DIR=$owner scripts/testbed.sh down"
  fi
  echo "$DIR" >"$NODE_LOCK.owner"
}

# Starts the node's processes; the control plane runs already.
node_up() {
  # Images go in when containerd starts: a running one has them (its store outlives restarts,
  # and new images are only built for a bed started afresh, which starts containerd anew).
  if ! is_alive containerd; then
    start_containerd
    wait_for containerd "containerd on $CONTAINERD_SOCK" containerd_ready
    import_node_images
  fi
  is_alive kube-scheduler || start_scheduler
  install_cluster_dns
  is_alive kubelet || start_kubelet
  # kube-router reads the Node object for the node's address; kubelet registers it.
  wait_for kubelet "node $NODE_NAME registered" node_registered
  is_alive kube-router || start_kube_router
  wait_for kube-router "kube-router's firewall (/healthz on 127.0.0.1:$ROUTER_HEALTH_PORT)" kube_router_healthy
  # kube-router rewrites the whole filter table on each sync; a kube-proxy whose first sync
  # races with kube-router's first one was seen to give up and program no Service at all. So
  # kube-proxy starts after kube-router, and `up` waits until the `kubernetes` Service works.
  is_alive kube-proxy || start_kube_proxy
  wait_for kube-proxy "kube-proxy (/healthz on 127.0.0.1:$PROXY_HEALTHZ_PORT)" kube_proxy_healthy
  wait_for kube-proxy "kube-proxy's rules for the kubernetes Service" kube_proxy_programmed
  wait_for kube-scheduler "kube-scheduler on https://127.0.0.1:$SCHEDULER_PORT (/healthz)" scheduler_healthy
  wait_for kubelet "kubelet (/healthz on 127.0.0.1:$KUBELET_HEALTHZ_PORT)" kubelet_healthy
  wait_for kubelet "node $NODE_NAME Ready" node_ready
  wait_for kubelet "$COREDNS_REPLICAS ready CoreDNS endpoints behind kube-system/kube-dns" cluster_dns_ready
}

# ---------------------------------------------------------------------------------------------
# Teardown: leaves the machine as it was.

# Kills every container and sandbox of the node's containerd, removes them and their network
# namespaces. Runs after kubelet stopped (it would restart them) and while containerd runs.
remove_node_containers() {
  containerd_ready || return 0
  local c=(ctr --address "$CONTAINERD_SOCK" -n k8s.io) id
  for id in $("${c[@]}" tasks ls -q 2>/dev/null); do
    "${c[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in $("${c[@]}" tasks ls -q 2>/dev/null); do
    "${c[@]}" tasks rm -f "$id" >/dev/null 2>&1 || true
  done
  for id in $("${c[@]}" containers ls -q 2>/dev/null); do
    "${c[@]}" containers rm "$id" >/dev/null 2>&1 || true
  done
}

# Network namespaces whose pod interface hangs off the node's bridge (those of other runtimes on
# the machine are left alone).
remove_pod_netns() {
  local ns peer
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do
    peer=$(ip -n "$ns" -o link show eth0 2>/dev/null | sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p')
    [ -n "$peer" ] || continue
    ip -o link show 2>/dev/null | grep -q "^$peer: .* master $NODE_BRIDGE " || continue
    ip netns delete "$ns" 2>/dev/null || true
  done
}

unmount_under() {
  local root=$1 target
  [ -d "$root" ] || return 0
  # Deepest first; lazily, so that a busy mount does not stop the rest.
  findmnt -rn -o TARGET | grep -F "$root/" | sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true
  done
}

# Removes KUBE-* chains (kube-proxy's and kube-router's) and the rules that jump to them, in every
# table, for IPv4 and IPv6; then ipsets of the same origin.
clean_node_firewall() {
  local tool table rule chain
  [ -x "${BIN_DIR:-}/kube-proxy" ] && "$BIN_DIR/kube-proxy" --cleanup >/dev/null 2>&1 || true
  [ -x "${KUBE_ROUTER_BIN:-}" ] && "$KUBE_ROUTER_BIN" --cleanup-config >/dev/null 2>&1 || true
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$tool" -t "$table" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-' \
        | while read -r rule; do
          # shellcheck disable=SC2086 # the rule's words are iptables arguments
          eval "$tool -t $table -D ${rule#-A }" 2>/dev/null || true
        done
      for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do
        "$tool" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do
        "$tool" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  local set
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router-)'); do
    ipset destroy "$set" 2>/dev/null || true
  done
}

remove_node_cgroups() {
  local controller
  for controller in /sys/fs/cgroup/*/; do
    [ -d "$controller$CGROUP_ROOT" ] || continue
    find "$controller$CGROUP_ROOT" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# Stops the node and removes what it made. A bed that never had a node leaves the machine's
# network alone.
node_down() {
  [ "${NODE:-0}" = 1 ] || [ -d "$NODE_DIR" ] || return 0
  # Best effort, every step: one that finds nothing to remove must not stop the others.
  local -
  set +e
  stop_components kubelet kube-router kube-proxy kube-scheduler
  remove_node_containers
  stop_components containerd
  unmount_under "$NODE_DIR"
  rm -rf "$NODE_DIR/cni-ipam" "$NODE_DIR/containerd/state" "$NODE_DIR/containerd/tmp"
  # The machine-wide part only when the node is this bed's: a bed that ran a node once and runs
  # without one now must not take down the bridge and rules of another bed's node.
  local owner
  owner=$(cat "$NODE_LOCK.owner" 2>/dev/null) || owner=""
  if [ "$owner" = "$DIR" ] || { [ -z "$owner" ] && [ "${NODE:-0}" = 1 ]; }; then
    node_reset_machine
    if [ -f "$NODE_DIR/ip_forward.saved" ]; then
      sysctl -qw "net.ipv4.ip_forward=$(cat "$NODE_DIR/ip_forward.saved")" 2>/dev/null
      rm -f "$NODE_DIR/ip_forward.saved"
    fi
    rm -f "$NODE_LOCK.owner"
  elif [ -n "$owner" ]; then
    log "node: the machine's bridge and rules are left alone: the node now belongs to $owner"
  fi
}

# The machine-wide part of a node: pod network namespaces on the bridge, the KUBE-* chains and
# ipsets, the pods' cgroups, the CNI cache and the bridge. `down` removes them; a new node removes
# what a node left when its bed was never taken down (its processes killed with the machine's
# session, say), so that stale interfaces and rules cannot collide with the new pods.
node_reset_machine() {
  local -
  set +e
  remove_pod_netns
  clean_node_firewall
  remove_node_cgroups
  rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && ip link del "$NODE_BRIDGE" 2>/dev/null
  return 0
}
