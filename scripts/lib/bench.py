#!/usr/bin/env python3
"""Helpers of scripts/bench.sh: the workload, the DNS changes, and the figures of each scenario.

Subcommands (all files live in the bench's work folder, DIR):
  workload DIR ...     names, nsupdate batches, namespaces and resources as YAML chunks
  churn DIR FRACTION   nsupdate batch giving FRACTION of the names new addresses
  dns-cleanup DIR      nsupdate batch deleting every name of the workload
  scrape-dns URL FILE  saves BIND's JSON statistics
  scenario DIR NAME    combines what one job process left behind into DIR/NAME.json
  report DIR           prints the results as Markdown and writes DIR/results.json
Only the Python standard library is used.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import urllib.request
from datetime import datetime

LABEL = "fqdn-job.bench/run"
API_RESOURCES = ("fqdnnetworkpolicies", "networkpolicies", "events")


# ---------------------------------------------------------------------------------------------
# Workload


def address(index, generation, second):
    """IPv4 address of name `index`: 198.18.0.0/15 is reserved for benchmarks (RFC 2544)."""
    base = 18 + (1 if second else 0)
    third = (index >> 8) + 64 * generation
    return f"198.{base}.{third}.{index & 255}"


def records_of(index, generation):
    # Every third name has two addresses.
    addresses = [address(index, generation, False)]
    if index % 3 == 0:
        addresses.append(address(index, generation, True))
    return addresses


def nsupdate_batches(server, port, zone, lines, per_message):
    """nsupdate input: one `send` per `per_message` records (a TCP message holds at most 64 KiB)."""
    out = [f"server {server} {port}", f"zone {zone}"]
    for i, line in enumerate(lines):
        out.append(line)
        if (i + 1) % per_message == 0:
            out.append("send")
    if not out[-1] == "send":
        out.append("send")
    return "\n".join(out) + "\n"


def cmd_workload(args):
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.dir, "resources"), exist_ok=True)
    zone = args.zone.rstrip(".")
    names = [f"n{i:04d}-{args.run}.{zone}" for i in range(args.pool)]
    namespaces = [f"bench-{args.run}-{k:02d}" for k in range(args.namespaces)]

    dns_lines = []
    for i, name in enumerate(names):
        for a in records_of(i, 0):
            dns_lines.append(f"update add {name}. 300 A {a}")
    with open(os.path.join(args.dir, "dns-load.txt"), "w") as f:
        f.write(nsupdate_batches(args.dns_host, args.dns_port, zone, dns_lines, 400))

    with open(os.path.join(args.dir, "namespaces.yaml"), "w") as f:
        for ns in namespaces:
            f.write(
                f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
                f"  labels: {{{LABEL}: {args.run}, fqdn-job.bench/bench: 'true'}}\n"
            )

    resources = []
    chunk, chunk_docs, chunk_index = [], 0, 0

    def flush():
        nonlocal chunk, chunk_docs, chunk_index
        if chunk:
            path = os.path.join(args.dir, "resources", f"chunk-{chunk_index:04d}.yaml")
            with open(path, "w") as f:
                f.write("".join(chunk))
            chunk, chunk_docs, chunk_index = [], 0, chunk_index + 1

    for j in range(args.resources):
        ns = namespaces[j % len(namespaces)]
        name = f"fqdn-{j:05d}"
        picked = rng.sample(range(args.pool), args.names_per_resource)
        two_rules = j % 2 == 1
        if two_rules:
            split = max(1, args.names_per_resource // 2)
            rules = [
                (picked[:split], "[{protocol: TCP, port: 443}]"),
                (picked[split:], "[{protocol: TCP, port: 5432}, {protocol: UDP, port: 8000, endPort: 8100}]"),
            ]
        else:
            rules = [(picked, "[{protocol: TCP, port: 443}, {protocol: TCP, port: 80}]")]
        doc = [
            "---\napiVersion: fqdn.konsole.is/v1alpha1\nkind: NetworkPolicy\n",
            f"metadata:\n  name: {name}\n  namespace: {ns}\n",
            f"  labels: {{{LABEL}: {args.run}, app: app-{j % 50}}}\n",
            f"spec:\n  podSelector: {{matchLabels: {{app: app-{j % 50}}}}}\n",
            f"  ttlSeconds: {args.ttl}\n  egress:\n",
        ]
        for picks, ports in rules:
            doc.append(f"    - toFQDNS: [{', '.join(names[p] for p in picks)}]\n")
            doc.append(f"      ports: {ports}\n")
        chunk.append("".join(doc))
        chunk_docs += 1
        resources.append({"namespace": ns, "name": name, "names": sorted(picked)})
        if chunk_docs >= args.chunk:
            flush()
    flush()

    used = sorted({p for r in resources for p in r["names"]})
    workload = {
        "run": args.run,
        "seed": args.seed,
        "resources": args.resources,
        "namespaces": namespaces,
        "pool": args.pool,
        "namesPerResource": args.names_per_resource,
        "ttlSeconds": args.ttl,
        "uniqueNamesUsed": len(used),
        "names": names,
        "items": resources,
    }
    with open(os.path.join(args.dir, "workload.json"), "w") as f:
        json.dump(workload, f)
    print(
        f"{args.resources} resources in {len(namespaces)} namespaces, {chunk_index} files;"
        f" {len(used)} of {args.pool} names used, {len(dns_lines)} A records"
    )


def load_workload(directory):
    with open(os.path.join(directory, "workload.json")) as f:
        return json.load(f)


def cmd_churn(args):
    w = load_workload(args.dir)
    rng = random.Random(w["seed"] + 1)
    used = sorted({p for r in w["items"] for p in r["names"]})
    count = int(round(len(w["names"]) * args.fraction))
    # Changed names are drawn from the whole pool, like the workload's names.
    changed = sorted(rng.sample(range(len(w["names"])), count))
    lines = []
    for i in changed:
        name = w["names"][i]
        lines.append(f"update delete {name}. A")
        for a in records_of(i, 1):
            lines.append(f"update add {name}. 300 A {a}")
    zone = w["names"][0].split(".", 1)[1]
    with open(os.path.join(args.dir, "dns-churn.txt"), "w") as f:
        f.write(nsupdate_batches(args.dns_host, args.dns_port, zone, lines, 300))
    changed_set = set(changed)
    affected = sum(1 for r in w["items"] if changed_set & set(r["names"]))
    churn = {
        "fraction": args.fraction,
        "changedNames": count,
        "changedNamesUsed": len(changed_set & set(used)),
        "resourcesListingAChangedName": affected,
    }
    with open(os.path.join(args.dir, "churn-plan.json"), "w") as f:
        json.dump(churn, f)
    print(
        f"{count} names get new addresses; {affected} of {len(w['items'])} resources list one"
    )


def cmd_dns_cleanup(args):
    w = load_workload(args.dir)
    zone = w["names"][0].split(".", 1)[1]
    lines = [f"update delete {name}." for name in w["names"]]
    with open(os.path.join(args.dir, "dns-cleanup.txt"), "w") as f:
        f.write(nsupdate_batches(args.dns_host, args.dns_port, zone, lines, 500))


# ---------------------------------------------------------------------------------------------
# Measurements


def cmd_scrape_dns(args):
    with urllib.request.urlopen(args.url, timeout=10) as response:
        data = json.load(response)
    with open(args.file, "w") as f:
        json.dump(data, f)


def dns_counts(path):
    with open(path) as f:
        data = json.load(f)
    ns = data.get("nsstats", {})
    return {
        "query": data.get("opcodes", {}).get("QUERY", 0),
        "udp": ns.get("QryUDP", 0),
        "tcp": ns.get("QryTCP", 0),
    }


METRIC = re.compile(r"^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$")
LABELS = re.compile(r'(\w+)="([^"]*)"')


def api_counts(path):
    """apiserver_request_total by 'VERB resource[/subresource]' for the resources the job uses."""
    counts = {}
    with open(path) as f:
        for line in f:
            m = METRIC.match(line.strip())
            if not m:
                continue
            labels = dict(LABELS.findall(m.group(1)))
            resource = labels.get("resource", "")
            if resource not in API_RESOURCES:
                continue
            # Watches are the controller manager's informers, never the job's.
            if labels.get("verb") == "WATCH":
                continue
            key = labels.get("verb", "") + " " + resource
            if labels.get("subresource"):
                key += "/" + labels["subresource"]
            counts[key] = counts.get(key, 0) + int(float(m.group(2)))
    return counts


def delta(before, after):
    keys = set(before) | set(after)
    result = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
    return {k: v for k, v in sorted(result.items()) if v}


SUMMARY = re.compile(r"run finished: (.*)$")
FIRST_REQUEST = re.compile(r"^(\S+) \[DEBUG\] FirstRequestLog - first API request")


def parse_time_v(path):
    figures = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Maximum resident set size (kbytes):"):
                figures["peakRssMiB"] = round(int(line.split(":")[1]) / 1024, 1)
            elif line.startswith("Exit status:"):
                figures["exitStatus"] = int(line.split(":")[1])
            elif line.startswith("User time (seconds):"):
                figures["userSeconds"] = float(line.split(":")[1])
            elif line.startswith("System time (seconds):"):
                figures["systemSeconds"] = float(line.split(":")[1])
    return figures


def parse_log(path):
    summary, first = None, None
    with open(path) as f:
        for line in f:
            m = SUMMARY.search(line)
            if m:
                summary = {}
                for part in m.group(1).split():
                    key, _, value = part.partition("=")
                    value = value.rstrip("s") if key == "duration" else value
                    try:
                        summary[key] = float(value) if "." in value else int(value)
                    except ValueError:  # e.g. list=cut-short on a run that could not list
                        summary[key] = value
            m = FIRST_REQUEST.match(line)
            if m and first is None:
                first = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    return summary, first


def cmd_scenario(args):
    d, name = args.dir, args.name
    prefix = os.path.join(d, name)
    with open(prefix + ".times") as f:
        started_ns, ended_ns = (int(x) for x in f.read().split())
    figures = parse_time_v(prefix + ".time")
    summary, first = parse_log(prefix + ".log")
    record = {
        "scenario": name,
        "label": args.label or name,
        "jvmOptions": " ".join(args.jvm_options.split()),
        "jobArgs": args.job_args,
        "startedNs": started_ns,
        "wallSeconds": round((ended_ns - started_ns) / 1e9, 3),
        "firstRequestSeconds": None if first is None else round(first - started_ns / 1e9, 3),
        "summary": summary,
        "dnsQueries": delta(dns_counts(prefix + ".dns-before"), dns_counts(prefix + ".dns-after")),
        "apiRequests": delta(api_counts(prefix + ".api-before"), api_counts(prefix + ".api-after")),
    }
    record.update(figures)
    with open(prefix + ".json", "w") as f:
        json.dump(record, f, indent=1)
    s = summary or {}
    print(
        f"{name}: {record['wallSeconds']:.2f} s, first request after"
        f" {record['firstRequestSeconds']} s, due={s.get('due')} queries(server)="
        f"{record['dnsQueries'].get('query', 0)} networkPolicyWrites={s.get('networkPolicyWrites')}"
        f" statusWrites={s.get('statusWrites')} failed={s.get('failed')}"
        f" peakRss={record.get('peakRssMiB')} MiB exit={record.get('exitStatus')}"
    )


# ---------------------------------------------------------------------------------------------
# Report


def load(directory, name):
    path = os.path.join(directory, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def scenarios_of(d):
    """Every job run of the work folder, in the order they ran."""
    scenarios = []
    for name in os.listdir(d):
        if name.endswith(".json") and os.path.exists(os.path.join(d, name[:-5] + ".times")):
            scenarios.append(load(d, name[:-5]))
    scenarios.sort(key=lambda r: r["startedNs"])
    return scenarios


def checks(d, w, churn):
    """Count targets: (description, expected, measured)."""
    n = w["resources"]
    unique = w["uniqueNamesUsed"]
    out = []

    def s(record, key):
        return None if record is None or record["summary"] is None else record["summary"].get(key)

    def api(record, key):
        return None if record is None else record["apiRequests"].get(key, 0)

    def q(record):
        return None if record is None else record["dnsQueries"].get("query", 0)

    cold, churned = load(d, "cold"), load(d, "churn")
    steadies = [r for r in scenarios_of(d) if r["scenario"].startswith("steady")]
    for record in [cold, churned] + steadies:
        label = "cold" if record is cold else "churn" if record is churned else record["scenario"]
        out.append((f"{label}: exit status 0", 0, None if record is None else record.get("exitStatus")))
        out.append((f"{label}: failed resources", 0, s(record, "failed")))
    out.append(("cold: NetworkPolicy writes == N", n, s(cold, "networkPolicyWrites")))
    out.append(("cold: status writes == N", n, s(cold, "statusWrites")))
    for steady in steadies:
        label = steady["scenario"]
        out.append((f"{label}: NetworkPolicy writes", 0, s(steady, "networkPolicyWrites")))
        out.append((f"{label}: status writes == N", n, s(steady, "statusWrites")))
        out.append((f"{label}: job's unique (name, type) lookups", unique, s(steady, "uniqueNames")))
        out.append((f"{label}: queries the DNS server received == unique names", unique, q(steady)))
        out.append((f"{label}: NetworkPolicy APPLY requests (API server)", 0, api(steady, "APPLY networkpolicies")))
        out.append(
            (f"{label}: status APPLY requests (API server) == N", n, api(steady, "APPLY fqdnnetworkpolicies/status"))
        )
    if churn is not None:
        expected = churn["resourcesListingAChangedName"]
        out.append(
            ("churn: NetworkPolicy writes == resources listing a changed name", expected, s(churned, "networkPolicyWrites"))
        )
        out.append(
            ("churn: NetworkPolicy APPLY requests (API server)", expected, api(churned, "APPLY networkpolicies"))
        )
        out.append(("churn: status writes == N", n, s(churned, "statusWrites")))
    for name in sorted(os.listdir(d)):
        if name.startswith("idle") and name.endswith(".json"):
            idle = load(d, name[:-5])
            label = idle["scenario"]
            out.append((f"{label}: exit status 0", 0, idle.get("exitStatus")))
            out.append((f"{label}: due resources", 0, s(idle, "due")))
            out.append((f"{label}: queries the DNS server received", 0, q(idle)))
            out.append((f"{label}: NetworkPolicy writes", 0, s(idle, "networkPolicyWrites")))
            out.append((f"{label}: status writes", 0, s(idle, "statusWrites")))
            # The verbs the job writes with; other clients of the bed (the namespace controller
            # emptying deleted namespaces, the garbage collector) delete, which is not counted.
            writes = sum(v for k, v in idle["apiRequests"].items() if k.startswith(("APPLY", "POST", "PATCH", "PUT")))
            out.append((f"{label}: APPLY, POST, PATCH, PUT requests (API server)", 0, writes))
    return out


def fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def api_text(requests):
    parts = []
    for key, value in requests.items():
        verb, resource = key.split(" ", 1)
        parts.append(f"{verb} {resource} {value}")
    return ", ".join(parts) if parts else "none"


def cmd_report(args):
    d = args.dir
    w = load_workload(d)
    churn = None
    if os.path.exists(os.path.join(d, "churn-plan.json")):
        with open(os.path.join(d, "churn-plan.json")) as f:
            churn = json.load(f)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    scenarios = scenarios_of(d)
    baselines = {
        name[:-5]: load(d, name[:-5])
        for name in sorted(os.listdir(d))
        if name.startswith("baseline-") and name.endswith(".json")
    }
    n = w["resources"]

    lines = []
    lines.append(
        f"N = {n} resources in {len(w['namespaces'])} namespaces, {w['namesPerResource']} names each from a"
        f" pool of {w['pool']} ({w['uniqueNamesUsed']} used), ttlSeconds {w['ttlSeconds']}; run {w['run']}."
    )
    lines.append(f"Heap: `{meta['heap']}`; job API concurrency {meta['apiConcurrency']}; baseline concurrency {meta['apiConcurrency']}.")
    lines.append("")
    header = (
        "| scenario | wall s | first API request s | due | unique names | DNS queries received (job sent) |"
        " NetworkPolicy writes | status writes | API requests (verb resource count) | peak RSS MiB | CPU s (user+sys) |"
    )
    lines.append(header)
    lines.append("|" + "|".join(["---"] * (header.count("|") - 1)) + "|")
    for r in scenarios:
        s = r["summary"] or {}
        cpu = None
        if "userSeconds" in r:
            cpu = r["userSeconds"] + r["systemSeconds"]
        lines.append(
            f"| {r['label']} | {fmt(r['wallSeconds'])} | {fmt(r['firstRequestSeconds'])} | {fmt(s.get('due'))} |"
            f" {fmt(s.get('uniqueNames'))} | {r['dnsQueries'].get('query', 0)} ({fmt(s.get('queries'))}) |"
            f" {fmt(s.get('networkPolicyWrites'))} | {fmt(s.get('statusWrites'))} | {api_text(r['apiRequests'])} |"
            f" {fmt(r.get('peakRssMiB'), 0)} | {fmt(cpu, 1)} |"
        )
    lines.append("")
    ratios = {}
    lines.append(
        "| job run | job wall s | job CPU s | baseline (simplest client, same concurrency) | requests |"
        " baseline s | baseline CPU s | job / baseline (wall) |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    status_baselines = [b for name, b in baselines.items() if name.startswith("baseline-status")]
    median_status = (
        statistics.median(b["seconds"] for b in status_baselines) if status_baselines else None
    )
    median_status_cpu = (
        statistics.median(b["cpuSeconds"] for b in status_baselines) if status_baselines else None
    )

    def row(job, baseline, seconds, description, key, cpu_seconds=None):
        if job is None or baseline is None or not seconds:
            return
        ratio = job["wallSeconds"] / seconds
        ratios[key] = ratio
        cpu = job.get("userSeconds", 0) + job.get("systemSeconds", 0)
        lines.append(
            f"| {job['label']} | {fmt(job['wallSeconds'])} | {fmt(cpu, 1)} | {description} |"
            f" {baseline['requests']} ({baseline['errors']} failed) | {fmt(seconds)} |"
            f" {fmt(cpu_seconds if cpu_seconds is not None else baseline.get('cpuSeconds'))} | {fmt(ratio)} |"
        )

    cold = load(d, "cold")
    row(cold, baselines.get("baseline-cold"), (baselines.get("baseline-cold") or {}).get("seconds"),
        "the same writes: NetworkPolicy create + status apply + Event per resource", "cold/baseline-cold")
    if status_baselines:
        row(cold, status_baselines[0], median_status,
            f"status apply per resource (median of {len(status_baselines)})", "cold/baseline-status",
            median_status_cpu)
    for r in scenarios:
        if not r["scenario"].startswith("steady"):
            continue
        number = r["scenario"].rsplit("-", 1)[-1]
        paired = baselines.get(f"baseline-status-{number}")
        if paired is not None:
            row(r, paired, paired["seconds"], "status apply per resource, run right after", r["scenario"] + "/baseline-status")
        elif status_baselines:
            row(r, status_baselines[0], median_status,
                f"status apply per resource (median of {len(status_baselines)})", r["scenario"] + "/baseline-status",
                median_status_cpu)
    steady_ratios = [v for k, v in ratios.items() if k.startswith("steady-") and k[7:8].isdigit()]
    if steady_ratios:
        ratios["steady/baseline-status median"] = statistics.median(steady_ratios)
        lines.append("")
        lines.append(f"Median steady / baseline: {statistics.median(steady_ratios):.2f} ({len(steady_ratios)} pairs).")
    lines.append("")

    results = checks(d, w, churn)
    failed = [c for c in results if c[1] != c[2]]
    lines.append("| count check | expected | measured | |")
    lines.append("|---|---|---|---|")
    for description, expected, measured in results:
        lines.append(f"| {description} | {expected} | {fmt(measured)} | {'ok' if expected == measured else 'FAILED'} |")
    lines.append("")

    def idle_variant(name):
        if name.startswith("idle-aot-c1-"):
            return "c1"
        return "aot" if name.startswith("idle-aot-") else "plain"

    def first_request_median(variant):
        values = [
            r["firstRequestSeconds"]
            for r in scenarios
            if r["scenario"].startswith("idle-")
            and idle_variant(r["scenario"]) == variant
            and r["firstRequestSeconds"] is not None
        ]
        return statistics.median(values) if values else None

    first_plain = first_request_median("plain")
    first_aot = first_request_median("aot")
    first_aot_c1 = first_request_median("c1")
    peak = max((r.get("peakRssMiB") or 0) for r in scenarios) if scenarios else None
    lines.append(
        f"Start to first API request, median of the idle runs: {fmt(first_plain, 3)} s without,"
        f" {fmt(first_aot, 3)} s with the AOT cache, {fmt(first_aot_c1, 3)} s with the AOT cache and C1 only."
    )
    lines.append(f"Highest peak RSS of all job runs: {peak} MiB.")

    out = {
        "workload": {k: v for k, v in w.items() if k not in ("names", "items")},
        "churn": churn,
        "meta": meta,
        "scenarios": scenarios,
        "baselines": baselines,
        "ratios": ratios,
        "firstRequestMedianSeconds": {"withoutAot": first_plain, "withAot": first_aot, "withAotC1Only": first_aot_c1},
        "peakRssMiB": peak,
        "checks": [{"description": c[0], "expected": c[1], "measured": c[2], "ok": c[1] == c[2]} for c in results],
        "checksFailed": len(failed),
    }
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(out, f, indent=1, default=lambda x: None)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if failed:
        print(f"{len(failed)} count checks FAILED", file=sys.stderr)
    return 1 if failed and args.strict else 0


def main():
    parser = argparse.ArgumentParser(prog="bench.py")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("workload")
    p.add_argument("dir")
    p.add_argument("--resources", type=int, required=True)
    p.add_argument("--namespaces", type=int, default=20)
    p.add_argument("--pool", type=int, default=2000)
    p.add_argument("--names-per-resource", type=int, default=5)
    p.add_argument("--ttl", type=int, default=300)
    p.add_argument("--chunk", type=int, default=250)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--run", required=True)
    p.add_argument("--zone", required=True)
    p.add_argument("--dns-host", required=True)
    p.add_argument("--dns-port", required=True)
    p.set_defaults(func=cmd_workload)

    p = sub.add_parser("churn")
    p.add_argument("dir")
    p.add_argument("--fraction", type=float, default=0.1)
    p.add_argument("--dns-host", required=True)
    p.add_argument("--dns-port", required=True)
    p.set_defaults(func=cmd_churn)

    p = sub.add_parser("dns-cleanup")
    p.add_argument("dir")
    p.add_argument("--dns-host", required=True)
    p.add_argument("--dns-port", required=True)
    p.set_defaults(func=cmd_dns_cleanup)

    p = sub.add_parser("scrape-dns")
    p.add_argument("url")
    p.add_argument("file")
    p.set_defaults(func=cmd_scrape_dns)

    p = sub.add_parser("scenario")
    p.add_argument("dir")
    p.add_argument("name")
    p.add_argument("--label")
    p.add_argument("--jvm-options", default="")
    p.add_argument("--job-args", default="")
    p.set_defaults(func=cmd_scenario)

    p = sub.add_parser("report")
    p.add_argument("dir")
    p.add_argument("--strict", action="store_true")
    p.set_defaults(func=cmd_report)

    args = parser.parse_args()
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
