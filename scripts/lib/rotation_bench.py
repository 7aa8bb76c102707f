#!/usr/bin/env python3
"""The rotation benchmark of scripts/bench.sh --rotation: does a pod that resolves a rotating name
and connects get refused?

On the bed's node (scripts/testbed.sh up --node), with the cluster DNS a real cluster has
(CoreDNS replicas with their caches, forwarding at random to the bed's two BIND servers):
  - a pool of P server pods that accept TCP on port 8080;
  - one name that rotates like a CDN: every R seconds each BIND server answers it with its own
    random subset of S pool addresses, record TTL T;
  - for each configuration and cadence, a namespace with the job installed from the shipped
    namespaced overlay (the CronJob, a run a minute; or the loop Deployment), one fqdn resource for
    the name, a NetworkPolicy that allows DNS, and two clients that the resource selects: one
    resolving through the C library before each connection (scripts/lib/dns-client.c), one Java
    client with the JVM's default 30 s cache (JvmDnsClient). Each attempt is a log line.
All configurations run side by side for D minutes, against the same rotation. Then the clients'
logs, the policies seen every 2 s and the job's summary lines give the table (results.md,
results.json in the work folder).

Only the Python standard library is used; the Kubernetes API is read with the bed's admin
certificate, objects are written with the bed's kubectl.
"""

import argparse
import json
import os
import random
import shutil
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

PORT = 8080
POLL_SECONDS = 2.0

# Each configuration: the job's extra arguments, the resource's extra spec fields, whether it
# needs to read the kube-dns EndpointSlices, and what it stands for.
CONFIGURATIONS = {
    "reference": dict(
        args=[],
        spec={},
        endpoints=False,
        text="the reference's behaviour and fqdn-job's base defaults: the latest answer only,"
        " one lookup through the kube-dns Service address",
    ),
    "cluster-dns": dict(
        args=["--dns-from-service", "kube-system/kube-dns"],
        spec={},
        endpoints=True,
        text="the cluster-dns overlay as shipped: every CoreDNS endpoint in turn, latest answer",
    ),
    "readme": dict(
        args=["--dns-from-service", "kube-system/kube-dns", "--dns-union", "--dns-samples", "3"],
        spec={"seenAddressRetentionSeconds": 3600},
        endpoints=True,
        text="the README's advice before this benchmark: 3600 s window, every endpoint, union,"
        " 3 samples",
    ),
    "spread": dict(
        args=[
            "--dns-from-service",
            "kube-system/kube-dns",
            "--dns-union",
            "--dns-samples",
            "2",
            "--dns-sample-interval",
            "31s",
        ],
        spec={"seenAddressRetentionSeconds": 3600, "followRecordTTL": True},
        endpoints=True,
        text="recommended for the CronJob: 3600 s window, every endpoint, union, 2 samples 31 s"
        " apart (each replica asked again after its cached answer expired), followRecordTTL",
    ),
    "follow": dict(
        args=["--dns-from-service", "kube-system/kube-dns", "--dns-union"],
        spec={"seenAddressRetentionSeconds": 3600, "followRecordTTL": True},
        endpoints=True,
        text="recommended for the loop: 3600 s window, every endpoint, union, followRecordTTL"
        " (the loop looks up again as the replicas' cached answers expire)",
    ),
}
CADENCES = ("cronjob", "loop")


def log(message):
    print(f"rotation: {message}", file=sys.stderr, flush=True)


def die(message):
    log(f"error: {message}")
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# The bed


class Bed:
    def __init__(self, root):
        self.root = root
        out = subprocess.run(
            [f"{root}/scripts/testbed.sh", "env"], check=True, capture_output=True, text=True
        ).stdout
        self.env = {}
        for line in out.splitlines():
            if line.startswith("export "):
                key, _, value = line[len("export ") :].partition("=")
                self.env[key] = value.strip("'")
        if "FQDN_TESTBED_NODE" not in self.env:
            die("the bed runs without a node; start it with scripts/testbed.sh up --node")
        self.api = self.env["FQDN_TESTBED_API_SERVER"]
        pki = os.path.join(self.env["FQDN_TESTBED_DIR"], "pki")
        self.tls = ssl.create_default_context(cafile=self.env["FQDN_TESTBED_CA"])
        self.tls.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
        self.upstreams = [
            (host, int(port))
            for host, _, port in (s.rpartition(":") for s in self.env["FQDN_TESTBED_UPSTREAM_DNS"].split())
        ]
        self.zone = self.env["FQDN_TESTBED_ZONE"].rstrip(".")

    def get(self, path, raw=False):
        with urllib.request.urlopen(self.api + path, context=self.tls, timeout=20) as response:
            body = response.read()
        return body.decode() if raw else json.loads(body)

    def kubectl(self, *args, stdin=None, check=True):
        result = subprocess.run(
            [self.env["FQDN_TESTBED_KUBECTL"], "--kubeconfig", self.env["KUBECONFIG"], *args],
            input=stdin,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            die(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def set_a(self, server, name, ttl, addresses):
        host, port = server
        lines = [f"server {host} {port}", f"zone {self.zone}", f"update delete {name} A"]
        lines += [f"update add {name} {ttl} A {a}" for a in addresses]
        lines += ["send", ""]
        result = subprocess.run(["nsupdate"], input="\n".join(lines), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"nsupdate to {host}:{port} failed: {result.stderr.strip()}")


def pod_manifest(name, labels, image, command, extra_container=None, volumes=None):
    container = {
        "name": "main",
        "image": image,
        "imagePullPolicy": "Never",
        "command": command,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
    }
    container.update(extra_container or {})
    spec = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 1,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "runAsGroup": 65532,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
    }
    if volumes:
        spec["volumes"] = volumes
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
    }


def await_ready(bed, namespace, selector, count, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        pods = bed.get(f"/api/v1/namespaces/{namespace}/pods?labelSelector={selector}")["items"]
        ready = [
            p
            for p in pods
            if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p.get("status", {}).get("conditions", [])
            )
        ]
        if len(ready) >= count:
            return ready
        time.sleep(1)
    die(f"{count} pods {selector} in {namespace} not Ready after {timeout} s")


# ---------------------------------------------------------------------------------------------
# Rotation


class Rotation(threading.Thread):
    """Every `period` seconds, each upstream server answers `name` with its own random subset."""

    def __init__(self, bed, name, pool, subset, period, ttl, seed):
        super().__init__(daemon=True)
        self.bed, self.name, self.pool = bed, name, pool
        self.subset, self.period, self.ttl = subset, period, ttl
        self.random = random.Random(seed)
        self.stopped = threading.Event()
        self.changes = []  # (time, server, addresses)
        self.errors = []

    def step(self):
        for server in self.bed.upstreams:
            chosen = sorted(self.random.sample(self.pool, self.subset))
            try:
                self.bed.set_a(server, self.name, self.ttl, chosen)
                self.changes.append((time.time(), f"{server[0]}:{server[1]}", chosen))
            except RuntimeError as e:
                self.errors.append(str(e))

    def run(self):
        next_step = time.time()
        while not self.stopped.is_set():
            self.step()
            next_step += self.period
            self.stopped.wait(max(0.0, next_step - time.time()))


# ---------------------------------------------------------------------------------------------
# Installation of one configuration and cadence


def kustomization(bed, work, namespace, config, cadence):
    overlay = os.path.relpath(os.path.join(bed.root, "kustomize/overlays/namespaced"), work)
    image = bed.env["FQDN_TESTBED_IMAGE"]
    name, _, tag = image.rpartition(":")
    args = CONFIGURATIONS[config]["args"]
    resources = [overlay]
    patches = []
    if cadence == "cronjob":
        value = ["run", "--deadline", "40s", "--namespace", "$(POD_NAMESPACE)", *args]
        patches.append(
            {
                "target": {"kind": "CronJob", "name": "fqdn-job"},
                "patch": json.dumps(
                    [
                        {
                            "op": "replace",
                            "path": "/spec/jobTemplate/spec/template/spec/containers/0/args",
                            "value": value,
                        }
                    ]
                ),
            }
        )
    else:
        shutil.copy(
            os.path.join(bed.root, "kustomize/components/loop/deployment.yaml"),
            os.path.join(work, "deployment.yaml"),
        )
        resources.append("deployment.yaml")
        value = ["run", "--loop", "--max-interval", "30s", "--namespace", "$(POD_NAMESPACE)", *args]
        patches.append(
            {
                "target": {"kind": "CronJob", "name": "fqdn-job"},
                "patch": "$patch: delete\napiVersion: batch/v1\nkind: CronJob\n"
                "metadata: {name: fqdn-job}\n",
            }
        )
        patches.append(
            {
                "target": {"kind": "Deployment", "name": "fqdn-job"},
                "patch": json.dumps(
                    [
                        {"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": value},
                        {
                            "op": "add",
                            "path": "/spec/template/spec/containers/0/env/-",
                            "value": {
                                "name": "POD_NAMESPACE",
                                "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
                            },
                        },
                    ]
                ),
            }
        )
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": namespace,
        "resources": resources,
        "images": [{"name": "fqdn-job.invalid/fqdn-job", "newName": name, "newTag": tag}],
        "patches": patches,
    }


def install(bed, work_root, run_id, config, cadence, fqdn, class_file):
    namespace = f"rot-{run_id}-{config}-{cadence}"
    work = os.path.join(work_root, namespace)
    os.makedirs(work, exist_ok=True)
    bed.kubectl("create", "namespace", namespace)
    with open(os.path.join(work, "kustomization.yaml"), "w") as f:
        json.dump(kustomization(bed, work, namespace, config, cadence), f, indent=1)
    bed.kubectl("apply", "--server-side", "-k", work)
    if CONFIGURATIONS[config]["endpoints"]:
        role = f"fqdn-job-dns-endpoints-{namespace}"
        bed.kubectl(
            "apply",
            "-f",
            "-",
            stdin=json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "List",
                    "items": [
                        {
                            "apiVersion": "rbac.authorization.k8s.io/v1",
                            "kind": "Role",
                            "metadata": {"name": role, "namespace": "kube-system"},
                            "rules": [
                                {
                                    "apiGroups": ["discovery.k8s.io"],
                                    "resources": ["endpointslices"],
                                    "verbs": ["list"],
                                }
                            ],
                        },
                        {
                            "apiVersion": "rbac.authorization.k8s.io/v1",
                            "kind": "RoleBinding",
                            "metadata": {"name": role, "namespace": "kube-system"},
                            "roleRef": {
                                "apiGroup": "rbac.authorization.k8s.io",
                                "kind": "Role",
                                "name": role,
                            },
                            "subjects": [
                                {"kind": "ServiceAccount", "name": "fqdn-job", "namespace": namespace}
                            ],
                        },
                    ],
                }
            ),
        )
    allow_dns = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-dns", "namespace": namespace},
        "spec": {
            "podSelector": {"matchLabels": {"app": "clients"}},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    }
    bed.kubectl("apply", "-f", "-", stdin=json.dumps(allow_dns))
    bed.kubectl(
        "create", "configmap", "jvm-client", "-n", namespace, f"--from-file=JvmDnsClient.class={class_file}"
    )
    labels = {"app": "clients"}
    libc = pod_manifest(
        "libc-client",
        {**labels, "client": "libc"},
        bed.env["FQDN_TESTBED_TOOLS_IMAGE"],
        ["/bin/dns-client", fqdn, str(PORT), "1000", "2000"],
    )
    jvm = pod_manifest(
        "jvm-client",
        {**labels, "client": "jvm"},
        bed.env["FQDN_TESTBED_IMAGE"],
        [
            "java",
            "-XX:-UsePerfData",
            "-Xmx32m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            "/client",
            "io.fqdnjob.bench.JvmDnsClient",
            fqdn,
            str(PORT),
            "1000",
            "2000",
        ],
        extra_container={
            "volumeMounts": [{"name": "client", "mountPath": "/client", "readOnly": True}],
            "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}},
        },
        volumes=[
            {
                "name": "client",
                "configMap": {
                    "name": "jvm-client",
                    "items": [
                        {"key": "JvmDnsClient.class", "path": "io/fqdnjob/bench/JvmDnsClient.class"}
                    ],
                },
            }
        ],
    )
    for pod in (libc, jvm):
        bed.kubectl("create", "-n", namespace, "-f", "-", stdin=json.dumps(pod))
    return namespace


def create_resource(bed, namespace, config, fqdn):
    spec = {
        "podSelector": {"matchLabels": {"app": "clients"}},
        "egress": [{"toFQDNS": [fqdn], "ports": [{"protocol": "TCP", "port": PORT}]}],
    }
    spec.update(CONFIGURATIONS[config]["spec"])
    resource = {
        "apiVersion": "fqdn.konsole.is/v1alpha1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "cdn", "namespace": namespace},
        "spec": spec,
    }
    bed.kubectl("apply", "-f", "-", stdin=json.dumps(resource))
    return time.time()


# ---------------------------------------------------------------------------------------------
# Observation while the clients run


def loop_cpu_seconds(bed, namespace):
    """CPU time used so far by the loop's pod in `namespace`, from its cgroup (cgroup v1, the
    node's cgroupfs driver under cgroupRoot /fqdn-testbed), or None when it cannot be read."""
    pods = bed.get(
        f"/api/v1/namespaces/{namespace}/pods?labelSelector=app.kubernetes.io/component%3Dloop"
    )["items"]
    if len(pods) != 1:
        return None
    uid = pods[0]["metadata"]["uid"]
    for qos in ("", "burstable/", "besteffort/"):
        path = f"/sys/fs/cgroup/cpuacct/fqdn-testbed/kubepods/{qos}pod{uid}/cpuacct.usage"
        try:
            with open(path) as f:
                return int(f.read()) / 1e9
        except OSError:
            continue
    return None


class Observer(threading.Thread):
    """Every 2 s the peers of each generated policy; every 10 s the logs of finished job pods."""

    def __init__(self, bed, namespaces):
        super().__init__(daemon=True)
        self.bed, self.namespaces = bed, set(namespaces)
        self.stopped = threading.Event()
        self.policies = {ns: [] for ns in namespaces}  # ns -> [(time, [peers])]
        self.job_logs = {}  # (ns, pod) -> text
        self.errors = []

    def poll_policies(self):
        items = self.bed.get("/apis/networking.k8s.io/v1/networkpolicies")["items"]
        now = time.time()
        for item in items:
            ns = item["metadata"]["namespace"]
            if ns in self.namespaces and item["metadata"]["name"] == "cdn":
                peers = sorted(
                    peer["ipBlock"]["cidr"].split("/")[0]
                    for rule in item["spec"].get("egress") or []
                    for peer in rule.get("to") or []
                    if "ipBlock" in peer
                )
                series = self.policies[ns]
                if not series or series[-1][1] != peers:
                    series.append((now, peers))

    def read_job_logs(self, finished_only=True):
        pods = self.bed.get("/api/v1/pods?labelSelector=app.kubernetes.io/name%3Dfqdn-job")["items"]
        for pod in pods:
            ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
            if ns not in self.namespaces:
                continue
            phase = pod.get("status", {}).get("phase")
            if finished_only and phase not in ("Succeeded", "Failed"):
                continue
            if finished_only and (ns, name) in self.job_logs:
                continue
            try:
                self.job_logs[(ns, name)] = self.bed.get(
                    f"/api/v1/namespaces/{ns}/pods/{name}/log", raw=True
                )
            except Exception as e:  # a pod deleted meanwhile
                self.errors.append(f"log of {ns}/{name}: {e}")

    def run(self):
        last_logs = 0.0
        while not self.stopped.is_set():
            try:
                self.poll_policies()
                if time.time() - last_logs >= 10:
                    self.read_job_logs()
                    last_logs = time.time()
            except Exception as e:
                self.errors.append(str(e))
            self.stopped.wait(POLL_SECONDS)


# ---------------------------------------------------------------------------------------------
# Analysis


def parse_client_log(text):
    attempts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        answer = parts[3].split(",") if len(parts) > 3 and parts[2] != "unresolved" else []
        attempts.append((int(parts[0]) / 1000.0, parts[1], parts[2], answer))
    return attempts


def parse_runs(texts):
    """Summary lines of the job's runs that looked something up: (time, queries)."""
    runs = []
    for text in texts:
        for line in text.splitlines():
            if " listed=" not in line or " queries=" not in line:
                continue
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if int(fields.get("due", "0")) < 1:
                continue
            stamp = line.split()[0]
            try:
                when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
            runs.append((when, int(fields["queries"])))
    return sorted(runs)


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def analyse(setup, attempts_by_client, runs, series, pool, end):
    created = setup["created"]
    first_run = runs[0][0] if runs else None
    second_run = runs[1][0] if len(runs) > 1 else None
    result = {
        "loop_cpu_s_per_minute": setup.get("cpu_per_minute"),
        "namespace": setup["namespace"],
        "config": setup["config"],
        "cadence": setup["cadence"],
        "runs": len(runs),
        "queries_per_run": statistics.median([q for _, q in runs]) if runs else None,
        "first_run_after_s": round(first_run - created, 1) if first_run else None,
        "second_run_after_s": round(second_run - created, 1) if second_run else None,
        "clients": {},
    }
    peers_counts = [len(p) for t, p in series if t >= created]
    result["peers_min"] = min(peers_counts) if peers_counts else 0
    result["peers_max"] = max(peers_counts) if peers_counts else 0
    result["peers_final"] = len(series[-1][1]) if series else 0
    result["peers_series"] = [(round(t - created, 1), len(p)) for t, p in series]
    complete = next((t for t, p in series if set(pool) <= set(p)), None)
    result["all_pool_allowed_after_s"] = round(complete - created, 1) if complete else None
    # When the pods had met every address of the pool: no poller can allow the last one earlier.
    met = {}
    for attempts in attempts_by_client.values():
        for t, _, _, answer in attempts:
            for a in answer:
                met[a] = min(met.get(a, t), t)
    seen_all = max((met[a] for a in pool), default=None) if set(pool) <= set(met) else None
    result["pool_met_by_pods_after_s"] = round(seen_all - created, 1) if seen_all else None
    # When each address first entered the policy.
    allowed_at = {}
    for t, peers in series:
        for a in peers:
            allowed_at.setdefault(a, t)
    first_seen = {}
    for client, attempts in attempts_by_client.items():
        refused = [a for a in attempts if a[2] in ("refused", "timeout")]
        after_first = [a for a in refused if first_run and a[0] > first_run]
        after = [a for a in refused if second_run and a[0] > second_run]
        streak = longest = 0
        for a in attempts:
            streak = streak + 1 if a[2] in ("refused", "timeout") else 0
            longest = max(longest, streak)
        last = max((a[0] for a in refused), default=None)
        result["clients"][client] = {
            "attempts": len(attempts),
            "refused": len(refused),
            "refused_pct": round(100.0 * len(refused) / len(attempts), 2) if attempts else None,
            "refused_after_first_run": len(after_first),
            "refused_after_second_run": len(after),
            "unresolved": sum(1 for a in attempts if a[2] == "unresolved"),
            "longest_refused_streak": longest,
            "last_refusal_after_s": round(last - created, 1) if last else None,
            "refused_addresses": sorted({a[1] for a in refused}),
        }
        for t, _, _, answer in attempts:
            for a in answer:
                first_seen[a] = min(first_seen.get(a, t), t)
    lags = []
    never = []
    # Addresses that pods met once the policy existed: before the first run, the pods' own DNS
    # policy refuses everything else anyway.
    for a, seen in first_seen.items():
        if first_run is None or seen < first_run:
            continue
        if a in allowed_at:
            lags.append(max(0.0, allowed_at[a] - seen))
        else:
            never.append(a)
            lags.append(end - seen)
    result["allow_lag_s"] = {
        "addresses": len(lags),
        "p50": round(percentile(lags, 0.5), 1) if lags else None,
        "p99": round(percentile(lags, 0.99), 1) if lags else None,
        "max": round(max(lags), 1) if lags else None,
        "never_allowed": sorted(never),
    }
    return result


def fmt(value):
    return "–" if value is None else str(value)


def report(results, params, work):
    lines = [
        f"Rotation: pool P={params['pool']}, subset S={params['subset']} per server,"
        f" rotation every R={params['period']} s, record TTL T={params['ttl']} s,"
        f" {params['minutes']} min; CoreDNS {params['cluster_dns']}.",
        "Refused: connections refused or timed out (every attempt before the first run is refused:"
        " the pods' DNS policy selects them for egress). Times in seconds from the resource's"
        " creation; lag: from an address's first appearance in a pod's answer, once the first run"
        " wrote the policy, to the policy holding it.",
        "",
        "| configuration | cadence | client | attempts | refused | refused % | after 1st run |"
        " after 2nd run |"
        " longest streak | last refusal (s) | pool met by pods (s) | peers min/max/final |"
        " all pool allowed (s) |"
        " queries/run | lag p50/p99/max (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for client, c in r["clients"].items():
            lag = r["allow_lag_s"]
            lines.append(
                f"| {r['config']} | {r['cadence']} | {client} | {c['attempts']} | {c['refused']} |"
                f" {fmt(c['refused_pct'])} | {c['refused_after_first_run']} |"
                f" {c['refused_after_second_run']} |"
                f" {c['longest_refused_streak']} | {fmt(c['last_refusal_after_s'])} |"
                f" {fmt(r['pool_met_by_pods_after_s'])} |"
                f" {r['peers_min']}/{r['peers_max']}/{r['peers_final']} |"
                f" {fmt(r['all_pool_allowed_after_s'])} | {fmt(r['queries_per_run'])} |"
                f" {fmt(lag['p50'])}/{fmt(lag['p99'])}/{fmt(lag['max'])} |"
            )
    lines.append("")
    for name, c in CONFIGURATIONS.items():
        if name in params["configs"]:
            lines.append(f"- {name}: {c['text']}; job arguments {c['args'] or 'none'},"
                         f" resource {json.dumps(c['spec']) if c['spec'] else 'defaults'}")
    for r in results:
        if r.get("loop_cpu_s_per_minute") is not None:
            lines.append(
                f"- {r['config']} in the loop: {r['loop_cpu_s_per_minute']} s of CPU a minute"
                f" (the loop pod's cgroup), {r['runs']} runs that looked the name up"
            )
    text = "\n".join(lines) + "\n"
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"parameters": params, "results": results}, f, indent=1)
    return text


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench.sh --rotation")
    parser.add_argument("--pool", type=int, default=12)
    parser.add_argument("--subset", type=int, default=3)
    parser.add_argument("--period", type=float, default=20)
    parser.add_argument("--ttl", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--configs", default="reference,cluster-dns,readme,spread,follow")
    parser.add_argument("--cadences", default="cronjob,loop")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--work", required=True)
    parser.add_argument("--class-file", required=True)
    parser.add_argument("--root", required=True)
    a = parser.parse_args()
    configs = [c for c in a.configs.split(",") if c]
    cadences = [c for c in a.cadences.split(",") if c]
    for c in configs:
        if c not in CONFIGURATIONS:
            die(f"unknown configuration {c}; known: {', '.join(CONFIGURATIONS)}")
    for c in cadences:
        if c not in CADENCES:
            die(f"unknown cadence {c}; known: {', '.join(CADENCES)}")
    if not 1 <= a.subset <= a.pool:
        die("--subset must be between 1 and --pool")

    bed = Bed(a.root)
    run_id = format(random.SystemRandom().getrandbits(20), "05x")
    os.makedirs(a.work, exist_ok=True)
    pool_ns = f"rot-{run_id}-pool"
    log(f"run {run_id}: {a.pool} pool pods in {pool_ns}")
    bed.kubectl("create", "namespace", pool_ns)
    for i in range(a.pool):
        server = pod_manifest(
            f"pool-{i}",
            {"app": "pool"},
            bed.env["FQDN_TESTBED_TOOLS_IMAGE"],
            ["nc", "-ll", "-p", str(PORT), "-e", "/bin/true"],
        )
        bed.kubectl("create", "-n", pool_ns, "-f", "-", stdin=json.dumps(server))
    pool = sorted(p["status"]["podIP"] for p in await_ready(bed, pool_ns, "app%3Dpool", a.pool))
    fqdn = f"cdn-{run_id}.{bed.zone}"
    rotation = Rotation(bed, fqdn, pool, a.subset, a.period, a.ttl, a.seed)
    rotation.step()
    rotation.start()

    setups = []
    namespaces = [pool_ns]
    try:
        for config in configs:
            for cadence in cadences:
                ns = install(bed, a.work, run_id, config, cadence, fqdn, a.class_file)
                namespaces.append(ns)
                setups.append({"namespace": ns, "config": config, "cadence": cadence})
        for s in setups:
            await_ready(bed, s["namespace"], "app%3Dclients", 2)
        observer = Observer(bed, [s["namespace"] for s in setups])
        observer.start()
        for s in setups:
            s["created"] = create_resource(bed, s["namespace"], s["config"], fqdn)
        for s in setups:
            if s["cadence"] == "loop":
                s["cpu_start"] = (time.time(), loop_cpu_seconds(bed, s["namespace"]))
        log(f"{len(setups)} setups running for {a.minutes} min on {fqdn}")
        end = time.time() + a.minutes * 60
        while time.time() < end:
            time.sleep(min(30, max(0, end - time.time())))
            log(f"{round((end - time.time()) / 60, 1)} min to go")
        end = time.time()
        for s in setups:
            if s.get("cpu_start") and s["cpu_start"][1] is not None:
                used = loop_cpu_seconds(bed, s["namespace"])
                if used is not None:
                    minutes = (time.time() - s["cpu_start"][0]) / 60
                    s["cpu_per_minute"] = round((used - s["cpu_start"][1]) / minutes, 3)
        observer.stopped.set()
        observer.join()
        observer.read_job_logs(finished_only=False)
        rotation.stopped.set()
        with open(os.path.join(a.work, "policies.json"), "w") as f:
            json.dump(observer.policies, f)
        with open(os.path.join(a.work, "rotation.json"), "w") as f:
            json.dump(rotation.changes, f)
        results = []
        for s in setups:
            ns = s["namespace"]
            attempts = {}
            for client in ("libc", "jvm"):
                text = bed.get(f"/api/v1/namespaces/{ns}/pods/{client}-client/log", raw=True)
                with open(os.path.join(a.work, f"{ns}.{client}.log"), "w") as f:
                    f.write(text)
                attempts[client] = parse_client_log(text)
            logs = [t for (n, _), t in observer.job_logs.items() if n == ns]
            with open(os.path.join(a.work, f"{ns}.job.log"), "w") as f:
                f.write("\n".join(logs))
            results.append(analyse(s, attempts, parse_runs(logs), observer.policies[ns], pool, end))
        params = {
            "pool": a.pool,
            "subset": a.subset,
            "period": a.period,
            "ttl": a.ttl,
            "minutes": a.minutes,
            "seed": a.seed,
            "configs": configs,
            "cadences": cadences,
            "cluster_dns": bed.env.get("FQDN_TESTBED_CLUSTER_DNS"),
            "rotation_changes": len(rotation.changes),
            "errors": rotation.errors + observer.errors,
        }
        print(report(results, params, a.work))
        log(f"results in {a.work}/results.md and results.json")
    finally:
        rotation.stopped.set()
        if not a.keep:
            for ns in namespaces:
                bed.kubectl("delete", "namespace", ns, "--wait=false", check=False)
            for s in setups:
                if CONFIGURATIONS[s["config"]]["endpoints"]:
                    role = f"fqdn-job-dns-endpoints-{s['namespace']}"
                    bed.kubectl("delete", "-n", "kube-system", "role,rolebinding", role, check=False)


if __name__ == "__main__":
    main()
