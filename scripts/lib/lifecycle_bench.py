#!/usr/bin/env python3
"""The measurements of scripts/lifecycle-bench.sh: how the job's run stops and how its loop paces.

Subcommands:
  measure ...          creates the workload, runs every scenario, writes results.json and
                       results.md into the work folder and prints the table
  cleanup --work DIR   deletes what `measure` created (namespaces by label, DNS names, the
                       Toxiproxy proxy); safe to call twice and after a failure

Every job is a process of its own, started from a distribution's bin/fqdn-job, with its log on
stderr read line by line (each line timed when it arrives). Only the Python standard library is
used.
"""

import argparse
import json
import os
import random
import re
import select
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

LABEL = "fqdn-job.lifecycle-bench/run"
BENCH_LABEL = "fqdn-job.lifecycle-bench/bench"
# The label every NetworkPolicy the job renders carries (policy/NetworkPolicyRenderer).
MANAGED_BY = "app.kubernetes.io/managed-by=fqdn-job"
FQDN_API = "/apis/fqdn.konsole.is/v1alpha1"

LISTED_SO_FAR = re.compile(r"resources listed so far")
RUN_FINISHED = re.compile(r"run finished: (.*)")
RESTORED = re.compile(r"Restored NetworkPolicy")
# Logged once a page's work is done: the page arrived (triaged + waiting) ms before the line.
# The -v line of each list page: "page N listed in M ms" (before: "page N: R resources (D due)
# listed in M ms, triaged and resolved in A ms, then B ms waiting", logged A + B ms after it came).
PAGE = re.compile(
    r"page \d+(?:: \d+ resources \(\d+ due\))? listed in \d+ ms"
    r"(?:, triaged and resolved in (\d+) ms, then (\d+) ms)?"
)
RETRY = re.compile(r"failed with .* \(attempt \d+\), retrying in")
DNS_QUERY = re.compile(r"DNS (\S+) (\S+) to \S+: ")
# -v: the job's first request to the API server (kube.FirstRequestLog), sent once the run started.
FIRST_REQUEST = re.compile(r"first API request: ")
# -v: an Event the API server already held (a create refused as a duplicate), or one not written.
EVENT_NOT_WRITTEN = re.compile(r"event \S+ on \S+ (was already recorded|not recorded)")

SIGTERM_PHASES = ("list", "list-stalled", "resolve", "writes", "repairs")
LOOP_PHASES = ("loop-unresolvable", "loop-ttl5")
ALL_PHASES = SIGTERM_PHASES + LOOP_PHASES


def log(message):
    print(f"lifecycle-bench [{time.strftime('%H:%M:%S')}]: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The bed: its API server (admin client certificate, never through the proxy), its Toxiproxy


class Api:
    def __init__(self, server, ca, cert, key):
        self.server = server.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca)
        self.context.load_cert_chain(cert, key)

    def request(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        with urllib.request.urlopen(req, context=self.context, timeout=60) as response:
            return json.loads(response.read() or b"{}")

    def get(self, path):
        return self.request("GET", path)

    def list_all(self, path):
        items, token = [], ""
        while True:
            sep = "&" if "?" in path else "?"
            page = self.get(f"{path}{sep}limit=500" + (f"&continue={token}" if token else ""))
            items.extend(page.get("items", []))
            token = page.get("metadata", {}).get("continue")
            if not token:
                return items

    def revision(self):
        """The store's current revision: objects written later have a higher resourceVersion."""
        page = self.get("/api/v1/namespaces/default/configmaps?limit=1")
        return int(page["metadata"]["resourceVersion"])

    def written_after(self, namespaces, revision):
        """Objects of `namespaces` last written after `revision`, by kind."""
        counts = {"statuses": 0, "networkPolicies": 0, "events": 0}
        paths = {
            "statuses": FQDN_API + "/namespaces/{}/fqdnnetworkpolicies",
            "networkPolicies": "/apis/networking.k8s.io/v1/namespaces/{}/networkpolicies",
            "events": "/api/v1/namespaces/{}/events",
        }
        for kind, path in paths.items():
            for ns in namespaces:
                for item in self.list_all(path.format(ns)):
                    if int(item["metadata"]["resourceVersion"]) > revision:
                        counts[kind] += 1
        return counts

    def delete_policies(self, namespace):
        self.request(
            "DELETE",
            f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies?labelSelector={MANAGED_BY}",
        )
        for _ in range(300):
            left = self.get(
                f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies"
                f"?labelSelector={MANAGED_BY}&limit=1"
            )
            if not left.get("items"):
                return
            time.sleep(1)
        raise RuntimeError(f"the NetworkPolicies of {namespace} are still there after 300 s")


class Toxiproxy:
    """A proxy in front of the API server, for the job only; toxics make it slow or stall it."""

    def __init__(self, url, name):
        self.url = url.rstrip("/")
        self.name = name
        self.port = None

    def call(self, method, path, body=None, missing_ok=False):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                text = response.read()
                return json.loads(text) if text.strip() else None
        except urllib.error.HTTPError as e:
            if missing_ok and e.code == 404:
                return None
            raise RuntimeError(f"Toxiproxy {method} {path}: {e.code} {e.read()!r}") from e

    def create(self, upstream):
        self.call("DELETE", f"/proxies/{self.name}", missing_ok=True)
        for _ in range(50):
            port = random.randint(20000, 29999)
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            body = {"name": self.name, "listen": f"127.0.0.1:{port}", "upstream": upstream, "enabled": True}
            try:
                self.call("POST", "/proxies", body)
            except RuntimeError:
                continue
            self.port = port
            return port
        raise RuntimeError("no free port for the Toxiproxy proxy")

    def latency(self, millis):
        self.add("latency", "latency", "downstream", {"latency": millis, "jitter": 0})

    def stall(self):
        # Every byte in both directions is held until the toxic goes (timeout 0: never closed).
        self.add("stall-down", "timeout", "downstream", {"timeout": 0})
        self.add("stall-up", "timeout", "upstream", {"timeout": 0})

    def add(self, name, kind, stream, attributes):
        body = {"name": name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attributes}
        self.call("POST", f"/proxies/{self.name}/toxics", body)

    def clear(self):
        for toxic in self.call("GET", f"/proxies/{self.name}/toxics") or []:
            self.call("DELETE", f"/proxies/{self.name}/toxics/{toxic['name']}", missing_ok=True)

    def delete(self):
        self.call("DELETE", f"/proxies/{self.name}", missing_ok=True)


class SilentDns:
    """A DNS server that reads every query and never answers; counts them with their times."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.times = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                self.sock.recvfrom(4096)
            except OSError:
                return
            with self.lock:
                self.times.append(time.monotonic())

    def count(self, start=0.0, end=float("inf")):
        with self.lock:
            return sum(1 for t in self.times if start <= t < end)

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------------------------
# One job process


class Job:
    def __init__(self, argv, log_path, env):
        self.log_file = open(log_path, "w")
        self.lines = []  # (monotonic time, line)
        self.cond = threading.Condition()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            text=True, errors="replace", bufsize=1,
        )
        self.pidfd = os.pidfd_open(self.proc.pid) if hasattr(os, "pidfd_open") else None
        self.exited_at = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            now = time.monotonic()
            self.log_file.write(f"{now - self.started:9.3f} {line}")
            with self.cond:
                self.lines.append((now, line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        """Time of the first line matching `pattern`, or None after `timeout` or the exit."""
        end = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for t, line in self.lines[seen:]:
                    if pattern.search(line):
                        return t
                seen = len(self.lines)
                if self.proc.poll() is not None and not self.reader.is_alive():
                    return None
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.5))

    def wait_exit(self, timeout):
        """Waits at most `timeout` seconds; returns whether the process exited (and when)."""
        if self.pidfd is not None:
            ready, _, _ = select.select([self.pidfd], [], [], max(timeout, 0))
            if not ready:
                return False
            self.exited_at = time.monotonic()
            self.proc.wait()
        else:
            try:
                self.proc.wait(timeout=max(timeout, 0))
            except subprocess.TimeoutExpired:
                return False
            self.exited_at = time.monotonic()
        return True

    def exit_code(self):
        rc = self.proc.returncode
        return 128 - rc if rc is not None and rc < 0 else rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.wait_exit(30)

    def close(self):
        self.kill()
        self.reader.join(10)
        self.log_file.close()
        if self.pidfd is not None:
            os.close(self.pidfd)

    def pages_listed(self, start=0.0, end=float("inf")):
        """List pages (from the -v page lines) that arrived between `start` and `end`."""
        count = 0
        for t, line in self.matching(PAGE):
            m = PAGE.search(line)
            arrived = t - (int(m.group(1) or 0) + int(m.group(2) or 0)) / 1000
            if start <= arrived < end:
                count += 1
        return count

    def matching(self, pattern, start=0.0, end=float("inf")):
        with self.cond:
            return [(t, line) for t, line in self.lines if start <= t < end and pattern.search(line)]


def parse_summary(text):
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", text)}


# ---------------------------------------------------------------------------------------------
# The bench


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.run = args.run
        self.zone = args.zone.rstrip(".")
        self.api = Api(args.api_server, args.ca, args.admin_cert, args.admin_key)
        self.proxy = Toxiproxy(args.toxiproxy, f"lifecycle-bench-{self.run}")
        self.silent = None
        self.jobs = []
        self.results = {"meta": {}, "scenarios": {}}
        per = args.resources // 3
        self.ns = {
            "list": [f"lcb-{self.run}-l{k}" for k in range(3)],
            "resolve": f"lcb-{self.run}-resolve",
            "loop": f"lcb-{self.run}-loop",
            "ttl5": f"lcb-{self.run}-ttl5",
        }
        self.per_namespace = per
        self.pool = [f"lc{i:03d}-{self.run}.{self.zone}" for i in range(50)]
        self.ttl5_name = f"t5-{self.run}.{self.zone}"
        self.unresolvable = f"u-{self.run}.{self.zone}"

    # --- workload ------------------------------------------------------------------------------

    def kubectl(self, *argv, check=True, **kw):
        return subprocess.run(
            [self.args.kubectl, "--kubeconfig", self.args.kubeconfig, *argv], check=check, **kw
        )

    def setup(self):
        args = self.args
        dns_host, dns_port = args.dns.rsplit(":", 1)
        lines = [f"server {dns_host} {dns_port}", f"zone {self.zone}"]
        cleanup = list(lines)
        for i, name in enumerate(self.pool + [self.ttl5_name]):
            lines.append(f"update add {name}. 300 A 198.18.{200 + i // 250}.{i % 250 + 1}")
            cleanup.append(f"update delete {name}. A")
        lines.append("send")
        cleanup.append("send")
        # The cleanup file first: the trap deletes the names even when loading them fails half-way.
        with open(os.path.join(self.work, "dns-cleanup.txt"), "w") as f:
            f.write("\n".join(cleanup) + "\n")
        with open(os.path.join(self.work, "dns-load.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["nsupdate", "-v", os.path.join(self.work, "dns-load.txt")], check=True)

        namespaces = self.ns["list"] + [self.ns["resolve"], self.ns["loop"], self.ns["ttl5"]]
        docs = [
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
            f"  labels: {{{LABEL}: {self.run}, {BENCH_LABEL}: 'true'}}\n"
            for ns in namespaces
        ]
        self.apply_docs("namespaces", docs)

        def resource(ns, name, names, ttl, resolve_timeout=None, app=0):
            timeout = f"  resolveTimeoutSeconds: {resolve_timeout}\n" if resolve_timeout else ""
            return (
                f"apiVersion: fqdn.konsole.is/v1alpha1\nkind: NetworkPolicy\n"
                f"metadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{{LABEL}: {self.run}}}\n"
                f"spec:\n  podSelector: {{matchLabels: {{app: a{app}}}}}\n"
                f"  ttlSeconds: {ttl}\n{timeout}"
                f"  egress:\n    - toFQDNS: [{', '.join(names)}]\n"
                f"      ports: [{{protocol: TCP, port: 443}}]\n"
            )

        rng = random.Random(1)
        docs = []
        for ns in self.ns["list"]:
            for j in range(self.per_namespace):
                docs.append(resource(ns, f"r{j:05d}", rng.sample(self.pool, 2), 1800, app=j % 20))
        for j in range(args.resolve_resources):
            docs.append(
                resource(self.ns["resolve"], f"r{j:03d}", [f"r{j:03d}-{self.run}.{self.zone}"], 60, 30)
            )
        docs.append(resource(self.ns["loop"], "unresolvable", [self.unresolvable], 60, 10))
        docs.append(resource(self.ns["ttl5"], "ttl5", [self.ttl5_name], 5))
        t = time.monotonic()
        self.apply_docs("resources", docs)
        log(f"created {len(docs)} resources in {time.monotonic() - t:.0f} s")

    def apply_docs(self, what, docs, chunk=250):
        folder = os.path.join(self.work, what)
        os.makedirs(folder, exist_ok=True)
        files = []
        for k in range(0, len(docs), chunk):
            path = os.path.join(folder, f"chunk-{k // chunk:04d}.yaml")
            with open(path, "w") as f:
                f.write("---\n" + "---\n".join(docs[k : k + chunk]))
            files.append(path)
        # Two kubectl processes at a time: the machine is shared.
        for k in range(0, len(files), 2):
            procs = [
                subprocess.Popen(
                    [self.args.kubectl, "--kubeconfig", self.args.kubeconfig, "apply", "--server-side",
                     "--field-manager=lifecycle-bench", "-f", path],
                    stdout=subprocess.DEVNULL,
                )
                for path in files[k : k + 2]
            ]
            for p in procs:
                if p.wait() != 0:
                    raise RuntimeError(f"kubectl apply of {what} failed")

    def proxy_kubeconfig(self):
        port = self.proxy.create(self.args.api_server.split("://", 1)[1].rstrip("/"))
        with open(self.args.kubeconfig) as f:
            text = f.read()
        text = text.replace(f"server: {self.args.api_server}", f"server: https://127.0.0.1:{port}")
        path = os.path.join(self.work, "job.kubeconfig")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    # --- running the job -----------------------------------------------------------------------

    def env(self):
        env = dict(os.environ)
        env["JAVA_OPTS"] = self.args.java_opts
        return env

    def start(self, label, job_args):
        argv = [os.path.join(self.args.dist, "bin", "fqdn-job"), *job_args]
        path = os.path.join(self.work, f"{label}.log")
        with open(os.path.join(self.work, f"{label}.cmd"), "w") as f:
            f.write(" ".join(argv) + "\n")
        job = Job(argv, path, self.env())
        self.jobs.append(job)
        return job

    def base_args(self, kubeconfig):
        return ["run", "--kubeconfig", kubeconfig, "--log-format", "text", "-v"]

    def initial_run(self):
        """Writes every resource of the list namespaces once, straight to the API server."""
        job_args = self.base_args(self.args.kubeconfig) + ["--dns-server", self.args.dns]
        for ns in self.ns["list"]:
            job_args += ["-n", ns]
        t = time.monotonic()
        job = self.start("initial", job_args)
        if not job.wait_exit(900):
            job.close()
            raise RuntimeError("the initial run did not finish in 900 s")
        job.close()
        finished = job.matching(RUN_FINISHED)
        summary = parse_summary(RUN_FINISHED.search(finished[-1][1]).group(1)) if finished else {}
        if job.exit_code() != 0 or summary.get("failed") != "0":
            raise RuntimeError(f"the initial run exited with {job.exit_code()}: {summary}; see initial.log")
        log(f"initial run: {summary.get('applied')} resources written in {time.monotonic() - t:.0f} s")

    def sigterm(self, phase, rep, job_args, namespaces, trigger, delay, cap):
        """Starts the job, sends SIGTERM `delay` s after its first line matching `trigger`, and
        measures the time to its exit."""
        label = f"{phase}-{rep}"
        record = {"phase": phase, "repeat": rep}
        job = self.start(label, job_args)
        try:
            at = job.wait_for(trigger, self.args.phase_timeout)
            if at is None:
                record["error"] = (
                    f"the job never logged /{trigger.pattern}/"
                    + (f" (exited with {job.exit_code()})" if job.proc.poll() is not None else "")
                )
                return record
            pause = at + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if job.proc.poll() is not None:
                record["error"] = f"the job exited ({job.exit_code()}) before the signal"
                return record
            revision = self.api.revision()
            signalled = time.monotonic()
            os.kill(job.proc.pid, signal.SIGTERM)
            exited = job.wait_exit(cap)
            if not exited:
                job.kill()
            record["secondsToExit"] = round(job.exited_at - signalled, 3) if exited else None
            record["capSeconds"] = cap
            record["exitCode"] = job.exit_code() if exited else "killed"
            record["signalAfterStartSeconds"] = round(signalled - job.started, 3)
            job.reader.join(10)
            finished = job.matching(RUN_FINISHED)
            record["summaryPrinted"] = bool(finished)
            if finished:
                record["summary"] = parse_summary(finished[-1][1].split("run finished:", 1)[1])
            record["afterSignal"] = {
                "pagesListed": job.pages_listed(signalled),
                "retriesLogged": len(job.matching(RETRY, signalled)),
                "restoredLogged": len(job.matching(RESTORED, signalled)),
                "eventsNotWrittenLogged": len(job.matching(EVENT_NOT_WRITTEN, signalled)),
                "dnsQueriesLogged": len(job.matching(DNS_QUERY, signalled)),
                "silentDnsQueries": self.silent.count(signalled) if self.silent else 0,
            }
            record["beforeSignal"] = {
                "pagesListed": job.pages_listed(0, signalled),
                "restoredLogged": len(job.matching(RESTORED, 0, signalled)),
                "silentDnsQueries": self.silent.count(job.started, signalled) if self.silent else 0,
            }
            # Lifted toxics first: the count reads the API server directly anyway.
            after = record["afterSignal"]
            after["written"] = self.api.written_after(namespaces, revision)
            # A lower bound: NetworkPolicy list pages and requests that failed leave no trace here.
            after["apiRequestsAtLeast"] = (
                after["pagesListed"] + after["retriesLogged"] + after["eventsNotWrittenLogged"]
                + sum(after["written"].values())
            )
            return record
        finally:
            job.close()
            shown = {k: v for k, v in record.items() if k not in ("phase", "repeat", "summary")}
            log(f"{label}: {json.dumps(shown)}")

    def loop(self, phase, rep, job_args, seconds, name=None):
        """Runs `run --loop` for `seconds`, counts its rounds (and lookups of `name`), then stops it."""
        label = f"{phase}-{rep}"
        record = {"phase": phase, "repeat": rep, "seconds": seconds}
        job = self.start(label, job_args)
        try:
            end = job.started + seconds
            queries_from = job.started
            if job.wait_exit(seconds):
                job.reader.join(10)
                last = job.lines[-1][1] if job.lines else "no output"
                record["error"] = (
                    f"the loop exited ({job.exit_code()}) after {job.exited_at - job.started:.1f} s: {last}"
                )
                return record
            rounds = len(job.matching(RUN_FINISHED, 0, end))
            record["rounds"] = rounds
            record["roundsPerMinute"] = round(rounds * 60 / seconds, 1)
            if self.silent:
                sent = self.silent.count(queries_from, end)
                record["silentDnsQueries"] = sent
                record["silentDnsQueriesPerMinute"] = round(sent * 60 / seconds, 1)
            if name:
                lookups = [
                    line for _, line in job.matching(DNS_QUERY, 0, end)
                    if DNS_QUERY.search(line).group(1).rstrip(".") == name
                ]
                a = sum(1 for line in lookups if DNS_QUERY.search(line).group(2) == "A")
                record["queriesOfName"] = len(lookups)
                record["lookupsOfName"] = a
                record["lookupsOfNamePerMinute"] = round(a * 60 / seconds, 1)
            signalled = time.monotonic()
            os.kill(job.proc.pid, signal.SIGTERM)
            cap = self.args.stall_cap
            exited = job.wait_exit(cap)
            if not exited:
                job.kill()
            record["secondsToExit"] = round(job.exited_at - signalled, 3) if exited else None
            record["capSeconds"] = cap
            record["exitCode"] = job.exit_code() if exited else "killed"
            return record
        finally:
            job.close()
            log(f"{label}: {json.dumps({k: v for k, v in record.items() if k not in ('phase', 'repeat')})}")

    # --- scenarios -----------------------------------------------------------------------------

    def scenarios(self):
        args = self.args
        kubeconfig = self.proxy_kubeconfig()
        self.silent = SilentDns()
        wanted = [p for p in ALL_PHASES if p in args.only]
        lists = self.ns["list"]
        list_scope = [x for ns in lists for x in ("-n", ns)]
        bind = ["--dns-server", args.dns]
        silent = ["--dns-server", self.silent.address]
        base = self.base_args(kubeconfig)
        if any(p in wanted for p in ("list", "writes", "repairs")):
            self.initial_run()
        order = ["list", "resolve", "writes", "repairs", "list-stalled", "loop-unresolvable", "loop-ttl5"]
        for phase in [p for p in order if p in wanted]:
            runs = []
            self.results["scenarios"][phase] = runs
            for rep in range(1, args.repeat + 1):
                self.proxy.clear()
                if phase == "list":
                    self.proxy.latency(args.list_latency_ms)
                    runs.append(self.sigterm(phase, rep, base + bind + list_scope, lists, LISTED_SO_FAR, 0, args.stall_cap))
                elif phase == "list-stalled":
                    self.proxy.stall()
                    runs.append(self.sigterm(phase, rep, base + bind + list_scope, lists, FIRST_REQUEST, 2, args.stall_cap))
                elif phase == "resolve":
                    scope = ["-n", self.ns["resolve"]]
                    runs.append(self.sigterm(phase, rep, base + silent + scope, [self.ns["resolve"]], LISTED_SO_FAR, 2, args.stall_cap))
                elif phase == "writes":
                    self.proxy.latency(args.write_latency_ms)
                    scope = ["-n", lists[0], "--force", "--status-refresh", "0"]
                    runs.append(self.sigterm(phase, rep, base + bind + scope, [lists[0]], LISTED_SO_FAR, 2, args.stall_cap))
                elif phase == "repairs":
                    self.api.delete_policies(lists[1])
                    self.proxy.latency(args.write_latency_ms)
                    scope = ["-n", lists[1]]
                    runs.append(self.sigterm(phase, rep, base + bind + scope, [lists[1]], RESTORED, 2, args.stall_cap))
                elif phase == "loop-unresolvable":
                    scope = ["--loop", "-n", self.ns["loop"], "--lookup-deadline", args.lookup_deadline]
                    runs.append(self.loop(phase, rep, base + silent + scope, args.loop_seconds))
                elif phase == "loop-ttl5":
                    scope = ["--loop", "-n", self.ns["ttl5"]]
                    runs.append(self.loop(phase, rep, base + bind + scope, args.loop_seconds, self.ttl5_name))
                self.save()
            self.proxy.clear()

    def save(self):
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump(self.results, f, indent=1)

    def close(self):
        for job in self.jobs:
            try:
                job.close()
            except Exception:  # noqa: BLE001 - cleaning up what is left
                pass
        if self.silent:
            self.silent.close()


# ---------------------------------------------------------------------------------------------
# The table


def spread(values):
    """median (min-max) of numbers."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return f"{med:g}"
    return f"{med:g} ({min(values):g}-{max(values):g})"


def table(results):
    out = []
    out.append("SIGTERM to exit, per phase (median (min-max) over the repeats):")
    out.append("")
    out.append("| phase | seconds to exit | exit codes | summary printed (its exit=) | signal at (s after start) |"
               " API requests after signal, at least | list pages after signal |"
               " writes after signal (status/policy/event) | DNS queries after signal | errors |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for phase in SIGTERM_PHASES:
        runs = results["scenarios"].get(phase)
        if not runs:
            continue
        ok = [r for r in runs if "error" not in r]
        times = []
        capped = 0
        for r in ok:
            if r["secondsToExit"] is None:
                capped += 1
            else:
                times.append(r["secondsToExit"])
        shown = spread(times)
        if capped:
            cap = ok[0]["capSeconds"]
            shown = f"> {cap} (all {capped})" if not times else f"{shown}; {capped}x > {cap}"
        codes = ",".join(str(r["exitCode"]) for r in ok) or "-"
        summary = f"{sum(1 for r in ok if r['summaryPrinted'])}/{len(ok)}"
        told = sorted({r["summary"].get("exit", "?") for r in ok if r.get("summary")})
        if told:
            summary += f" ({','.join(told)})"
        requests = spread([r["afterSignal"].get("apiRequestsAtLeast") for r in ok])
        at = spread([r["signalAfterStartSeconds"] for r in ok])
        pages = spread([r["afterSignal"]["pagesListed"] for r in ok])
        writes = "; ".join(
            f"{w['statuses']}/{w['networkPolicies']}/{w['events']}"
            for w in (r["afterSignal"]["written"] for r in ok)
        ) or "-"
        dns = spread([r["afterSignal"]["dnsQueriesLogged"] + r["afterSignal"]["silentDnsQueries"] for r in ok])
        errors = "; ".join(r["error"] for r in runs if "error" in r) or ""
        out.append(f"| {phase} | {shown} | {codes} | {summary} | {at} | {requests} | {pages} | {writes} | {dns} | {errors} |")
    loops = [p for p in LOOP_PHASES if results["scenarios"].get(p)]
    if loops:
        out.append("")
        out.append("Loop mode (per minute, over --loop-seconds; median (min-max)):")
        out.append("")
        out.append("| scenario | rounds/min | DNS queries/min at the silent server | lookups (A queries) of the"
                   " 5 s name/min | SIGTERM to exit (s) | exit codes | errors |")
        out.append("|---|---|---|---|---|---|---|")
        for phase in loops:
            runs = results["scenarios"][phase]
            ok = [r for r in runs if "error" not in r]
            out.append(
                f"| {phase} | {spread([r['roundsPerMinute'] for r in ok])}"
                f" | {spread([r.get('silentDnsQueriesPerMinute') for r in ok]) if phase == 'loop-unresolvable' else '-'}"
                f" | {spread([r.get('lookupsOfNamePerMinute') for r in ok]) if phase == 'loop-ttl5' else '-'}"
                f" | {spread([r['secondsToExit'] for r in ok])}"
                f" | {','.join(str(r['exitCode']) for r in ok) or '-'}"
                f" | {'; '.join(r['error'] for r in runs if 'error' in r)} |"
            )
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------


def stop_on_signal(number, _frame):
    # The finally blocks then kill the job processes still running.
    raise SystemExit(128 + number)


def cmd_measure(args):
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    args.only = args.only.split(",")
    for p in args.only:
        if p not in ALL_PHASES:
            sys.exit(f"lifecycle-bench: unknown scenario {p}; known: {', '.join(ALL_PHASES)}")
    bench = Bench(args)
    version = subprocess.run(
        [os.path.join(args.dist, "bin", "fqdn-job"), "--version"], capture_output=True, text=True,
        env=bench.env(),
    ).stdout.strip()
    bench.results["meta"] = {
        "run": args.run,
        "dist": args.dist,
        "version": version,
        "javaOpts": args.java_opts,
        "repeat": args.repeat,
        "resources": bench.per_namespace * 3,
        "resolveResources": args.resolve_resources,
        "listLatencyMs": args.list_latency_ms,
        "writeLatencyMs": args.write_latency_ms,
        "stallCapSeconds": args.stall_cap,
        "loopSeconds": args.loop_seconds,
        "lookupDeadline": args.lookup_deadline,
        "command": args.command,
        "nproc": os.cpu_count(),
        "loadAverageAtStart": open("/proc/loadavg").read().split()[:3],
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        log(f"run {args.run}: creating the workload ({bench.per_namespace * 3} resources in 3 namespaces,"
            f" {args.resolve_resources} for the resolve phase, 2 for the loops)")
        bench.setup()
        bench.scenarios()
    finally:
        bench.close()
        bench.results["meta"]["loadAverageAtEnd"] = open("/proc/loadavg").read().split()[:3]
        bench.save()
    text = table(bench.results)
    with open(os.path.join(args.work, "results.md"), "w") as f:
        f.write(f"Command: {args.command}\n\nJob: {version} from {args.dist}\n\n" + text)
    print(text)


def cmd_cleanup(args):
    toxiproxy = Toxiproxy(args.toxiproxy, f"lifecycle-bench-{args.run}")
    try:
        toxiproxy.delete()
    except Exception as e:  # noqa: BLE001
        log(f"could not delete the Toxiproxy proxy: {e}")
    subprocess.run(
        [args.kubectl, "--kubeconfig", args.kubeconfig, "delete", "namespace", "-l", f"{LABEL}={args.run}",
         "--wait=false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    dns = os.path.join(args.work, "dns-cleanup.txt")
    if os.path.exists(dns):
        subprocess.run(["nsupdate", "-v", dns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--work", required=True)
    common.add_argument("--run", required=True)
    common.add_argument("--kubectl", required=True)
    common.add_argument("--kubeconfig", required=True)
    common.add_argument("--toxiproxy", required=True)
    m = sub.add_parser("measure", parents=[common])
    m.add_argument("--dist", required=True)
    m.add_argument("--api-server", required=True)
    m.add_argument("--ca", required=True)
    m.add_argument("--admin-cert", required=True)
    m.add_argument("--admin-key", required=True)
    m.add_argument("--dns", required=True)
    m.add_argument("--zone", required=True)
    m.add_argument("--repeat", type=int, default=3)
    m.add_argument("--resources", type=int, default=3000)
    m.add_argument("--resolve-resources", type=int, default=20)
    m.add_argument("--list-latency-ms", type=int, default=300)
    m.add_argument("--write-latency-ms", type=int, default=200)
    m.add_argument("--stall-cap", type=int, default=200)
    m.add_argument("--loop-seconds", type=int, default=60)
    m.add_argument("--phase-timeout", type=int, default=120)
    m.add_argument("--lookup-deadline", default="1s")
    m.add_argument("--only", default=",".join(ALL_PHASES))
    m.add_argument("--java-opts", default="")
    m.add_argument("--command", default="")
    m.set_defaults(func=cmd_measure)
    c = sub.add_parser("cleanup", parents=[common])
    c.set_defaults(func=cmd_cleanup)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
