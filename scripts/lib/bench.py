#!/usr/bin/env python3
"""Helpers of scripts/bench.sh: the workload, the DNS changes, and the figures of each scenario.

Subcommands (all files live in the bench's work folder, DIR):
  workload DIR ...     names, nsupdate batches, namespaces and resources as YAML chunks
  churn DIR --fraction F --step NAME
                       nsupdate batch DIR/dns-NAME.txt giving F of the names new addresses,
                       and DIR/NAME-plan.json: the resources the job must write for it
  dns-cleanup DIR      nsupdate batch deleting every name of the workload
  scrape-dns URL FILE  saves BIND's JSON statistics
  scenario DIR NAME    combines what one process (a job run, or a list-only baseline with
                       --kind list-baseline) left behind into DIR/NAME.json
  report DIR           prints the results as Markdown, writes DIR/results.md and results.json
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
    """IPv4 address of name `index`: 198.18.0.0/15 is reserved for benchmarks (RFC 2544).

    Generations 0 to 3 give distinct addresses for pools of up to 16,384 names; a fifth would
    repeat the first, still unlike the fourth.
    """
    if index >= 16384:
        raise ValueError("the pool holds at most 16,384 names")
    base = 18 + (1 if second else 0)
    third = (index >> 8) + 64 * (generation % 4)
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
    """One churn step: FRACTION of the pool gets new addresses; the plan says who must be written.

    Steps add up: dns-generations.json remembers each name's current generation of addresses, so
    a name picked again in a later step moves to yet other addresses, and each step's expected
    set is the resources listing a name changed in that step (a name changed in an earlier step
    and not in this one keeps its addresses, and the job has already written it).
    """
    w = load_workload(args.dir)
    step = args.step
    # A seed of its own per step (str seeds are stable across Python runs).
    rng = random.Random(f"{w['seed']}-{step}")
    used = sorted({p for r in w["items"] for p in r["names"]})
    count = max(1, int(round(len(w["names"]) * args.fraction)))
    generations_path = os.path.join(args.dir, "dns-generations.json")
    generations = {}
    if os.path.exists(generations_path):
        with open(generations_path) as f:
            generations = {int(k): v for k, v in json.load(f).items()}
    # Changed names are drawn from the whole pool, like the workload's names.
    changed = sorted(rng.sample(range(len(w["names"])), count))
    lines = []
    for i in changed:
        generations[i] = generations.get(i, 0) + 1
        name = w["names"][i]
        lines.append(f"update delete {name}. A")
        for a in records_of(i, generations[i]):
            lines.append(f"update add {name}. 300 A {a}")
    zone = w["names"][0].split(".", 1)[1]
    with open(os.path.join(args.dir, f"dns-{step}.txt"), "w") as f:
        f.write(nsupdate_batches(args.dns_host, args.dns_port, zone, lines, 300))
    changed_set = set(changed)
    affected = sum(1 for r in w["items"] if changed_set & set(r["names"]))
    plan = {
        "step": step,
        "fraction": args.fraction,
        "changedNames": count,
        "changedNamesUsed": len(changed_set & set(used)),
        "resourcesListingAChangedName": affected,
    }
    with open(os.path.join(args.dir, f"{step}-plan.json"), "w") as f:
        json.dump(plan, f)
    with open(generations_path, "w") as f:
        json.dump(generations, f)
    print(
        f"{step}: {count} names get new addresses; {affected} of {len(w['items'])} resources list one"
    )


def churn_plans(directory):
    """Every churn step's plan by step name, in the order of their fractions."""
    plans = {}
    for name in os.listdir(directory):
        if name.endswith("-plan.json"):
            with open(os.path.join(directory, name)) as f:
                plan = json.load(f)
            plans[plan.get("step", name[: -len("-plan.json")])] = plan
    return dict(sorted(plans.items(), key=lambda kv: kv[1]["fraction"]))


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
    if not os.path.exists(path):
        return figures
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
            elif line.startswith("Command terminated by signal"):
                figures["signal"] = int(line.rsplit(" ", 1)[1])
    return figures


def parse_log(path):
    """The job's summary line, its first request's time, and whether it ran out of memory."""
    summary, first, oom = None, None, False
    if not os.path.exists(path):
        return summary, first, oom
    with open(path, errors="replace") as f:
        for line in f:
            if "OutOfMemoryError" in line:
                oom = True
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
    return summary, first, oom


def cmd_scenario(args):
    d, name = args.dir, args.name
    prefix = os.path.join(d, name)
    with open(prefix + ".times") as f:
        fields = [int(x) for x in f.read().split()]
    started_ns, ended_ns = fields[0], fields[1]
    exit_code = fields[2] if len(fields) > 2 else None
    figures = parse_time_v(prefix + ".time")
    summary, first, oom = parse_log(prefix + ".log")
    # -XX:+ExitOnOutOfMemoryError says so on stdout.
    oom = oom or parse_log(prefix + ".out")[2]
    if exit_code is None:
        exit_code = figures.get("exitStatus")
    record = {
        "scenario": name,
        "kind": args.kind,
        "label": args.label or name,
        "jvmOptions": " ".join(args.jvm_options.split()),
        "jobArgs": args.job_args,
        "startedNs": started_ns,
        "wallSeconds": round((ended_ns - started_ns) / 1e9, 3),
        "firstRequestSeconds": None if first is None else round(first - started_ns / 1e9, 3),
        "summary": summary if args.kind == "job" else None,
        "dnsQueries": delta(dns_counts(prefix + ".dns-before"), dns_counts(prefix + ".dns-after")),
        "apiRequests": delta(api_counts(prefix + ".api-before"), api_counts(prefix + ".api-after")),
        "exitCode": exit_code,
        "oom": oom,
        # timeout(1) exits with 124 when it stopped the process, 137 when it had to kill it.
        "timedOut": exit_code in (124, 137) and args.timeout is not None
        and (ended_ns - started_ns) / 1e9 >= args.timeout,
    }
    record.update(figures)
    if os.path.exists(prefix + ".load"):
        with open(prefix + ".load") as f:
            record["loadAverage"] = float(f.read().strip() or "nan")
    if args.kind == "list-baseline":
        record["baseline"] = None
        try:
            with open(prefix + ".out") as f:
                record["baseline"] = json.loads(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            pass
    record["died"] = exit_code != 0 or (args.kind == "job" and summary is None)
    with open(prefix + ".json", "w") as f:
        json.dump(record, f, indent=1)
    s = summary or {}
    if args.kind == "job":
        print(
            f"{name}: {record['wallSeconds']:.2f} s, first request after"
            f" {record['firstRequestSeconds']} s, due={s.get('due')} queries(server)="
            f"{record['dnsQueries'].get('query', 0)} networkPolicyWrites={s.get('networkPolicyWrites')}"
            f" statusWrites={s.get('statusWrites')} statusRefreshes={s.get('statusRefreshes', 'unknown')}"
            f" failed={s.get('failed')} peakRss={record.get('peakRssMiB')} MiB {exit_text(record)}"
        )
    else:
        b = record.get("baseline") or {}
        print(
            f"{name}: {record['wallSeconds']:.2f} s with its JVM start, listing {b.get('seconds')} s;"
            f" {b.get('resources')} resources, {b.get('networkPolicies')} NetworkPolicies in"
            f" {b.get('requests')} requests; peakRss={record.get('peakRssMiB')} MiB {exit_text(record)}"
        )


def exit_text(record):
    """'exit 0', or what went wrong: 'exit 3 (OOM)', 'exit 124 (timed out)'."""
    code = record.get("exitCode", record.get("exitStatus"))
    notes = []
    if record.get("oom"):
        notes.append("OOM")
    if record.get("timedOut"):
        notes.append("timed out")
    if record.get("signal"):
        notes.append(f"signal {record['signal']}")
    if code == 0 and record.get("kind", "job") == "job" and record.get("summary") is None:
        notes.append("no summary line")
    return f"exit {fmt(code)}" + (f" ({', '.join(notes)})" if notes else "")


# ---------------------------------------------------------------------------------------------
# Report


def load(directory, name):
    path = os.path.join(directory, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def processes_of(d, kind="job"):
    """Every process of the given kind in the work folder, in the order they ran."""
    records = []
    for name in os.listdir(d):
        if name.endswith(".json") and os.path.exists(os.path.join(d, name[:-5] + ".times")):
            record = load(d, name[:-5])
            if record.get("kind", "job") == kind:
                records.append(record)
    records.sort(key=lambda r: r["startedNs"])
    return records


def numbered_at_rest(name):
    """The number of an at-rest run of the repeated series (at-rest-3 -> 3), else None."""
    m = re.fullmatch(r"at-rest-(\d+)", name)
    return int(m.group(1)) if m else None


def summary_value(record, key):
    return None if record is None or record.get("summary") is None else record["summary"].get(key)


def writes_not_refreshes(record):
    """statusWrites - statusRefreshes, or None when the job does not report statusRefreshes."""
    writes, refreshes = summary_value(record, "statusWrites"), summary_value(record, "statusRefreshes")
    if writes is None or refreshes is None:
        return None
    return writes - refreshes


def checks(d, w, plans):
    """Count targets: dicts of description, expected, measured and state (ok, FAILED, unknown)."""
    n = w["resources"]
    unique = w["uniqueNamesUsed"]
    out = []

    def check(description, expected, measured, unknown=None):
        if measured is None and unknown is not None:
            state = "unknown"
        else:
            state = "ok" if expected == measured else "FAILED"
        out.append(
            {"description": description, "expected": expected, "measured": measured, "state": state,
             "note": unknown if state == "unknown" else None}
        )

    def api(record, key):
        return None if record is None else record["apiRequests"].get(key, 0)

    def q(record):
        return None if record is None else record["dnsQueries"].get("query", 0)

    jobs = {r["scenario"]: r for r in processes_of(d)}
    old_job = "unknown (old job: no statusRefreshes in its summary)"

    def lookups(label, record):
        check(f"{label}: job's unique (name, type) lookups == unique names", unique, summary_value(record, "uniqueNames"))
        check(f"{label}: queries the DNS server received == unique names", unique, q(record))

    def agree(label, record):
        check(f"{label}: NetworkPolicy APPLY requests (API server) == job's NetworkPolicy writes",
              summary_value(record, "networkPolicyWrites"), api(record, "APPLY networkpolicies"))
        check(f"{label}: status APPLY requests (API server) == job's status writes",
              summary_value(record, "statusWrites"), api(record, "APPLY fqdnnetworkpolicies/status"))

    def completed(label, record):
        check(f"{label}: exit status 0", 0, None if record is None else record.get("exitCode", record.get("exitStatus")))
        check(f"{label}: failed resources", 0, summary_value(record, "failed"))

    cold = jobs.get("cold")
    if cold is not None:
        completed("cold", cold)
        check("cold: NetworkPolicy writes == N", n, summary_value(cold, "networkPolicyWrites"))
        check("cold: status writes == N", n, summary_value(cold, "statusWrites"))
        lookups("cold", cold)
        agree("cold", cold)
    for name, record in jobs.items():
        if not name.startswith("at-rest"):
            continue
        completed(name, record)
        check(f"{name}: NetworkPolicy writes == 0", 0, summary_value(record, "networkPolicyWrites"))
        check(f"{name}: status writes - statusRefreshes == 0", 0, writes_not_refreshes(record), old_job)
        lookups(name, record)
        agree(name, record)
    for step, plan in plans.items():
        record = jobs.get(step)
        if record is None:
            continue
        expected = plan["resourcesListingAChangedName"]
        completed(step, record)
        check(f"{step}: NetworkPolicy writes == resources listing a changed name", expected,
              summary_value(record, "networkPolicyWrites"))
        check(f"{step}: status writes - statusRefreshes == resources listing a changed name", expected,
              writes_not_refreshes(record), old_job)
        lookups(step, record)
        agree(step, record)
    for name, record in jobs.items():
        if not name.startswith("idle"):
            continue
        check(f"{name}: exit status 0", 0, record.get("exitCode", record.get("exitStatus")))
        check(f"{name}: due resources", 0, summary_value(record, "due"))
        check(f"{name}: queries the DNS server received", 0, q(record))
        check(f"{name}: NetworkPolicy writes", 0, summary_value(record, "networkPolicyWrites"))
        check(f"{name}: status writes", 0, summary_value(record, "statusWrites"))
        # The verbs the job writes with; other clients of the bed (the namespace controller
        # emptying deleted namespaces, the garbage collector) delete, which is not counted.
        writes = sum(v for k, v in record["apiRequests"].items() if k.startswith(("APPLY", "POST", "PATCH", "PUT")))
        check(f"{name}: APPLY, POST, PATCH, PUT requests (API server)", 0, writes)
    for record in processes_of(d, "list-baseline"):
        name = record["scenario"]
        baseline = record.get("baseline") or {}
        check(f"{name}: exit status 0", 0, record.get("exitCode"))
        check(f"{name}: resources listed == N", n, baseline.get("resources"))
        # The job's run just before it, when that one completed, listed the same pages.
        paired = jobs.get("at-rest-" + name.rsplit("-", 1)[-1])
        if paired is not None and paired.get("exitCode", paired.get("exitStatus")) == 0:
            for resource in ("fqdnnetworkpolicies", "networkpolicies"):
                key = "LIST " + resource
                check(f"{name}: {key} requests == {paired['scenario']}'s", api(paired, key), api(record, key))
    return out


def fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10000:
        return f"{value:,}"
    return str(value)


def api_text(requests):
    parts = []
    for key, value in requests.items():
        verb, resource = key.split(" ", 1)
        parts.append(f"{verb} {resource} {value}")
    return ", ".join(parts) if parts else "none"


def cpu_of(record):
    if record is None or "userSeconds" not in record:
        return None
    return record["userSeconds"] + record["systemSeconds"]


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def cmd_report(args):
    d = args.dir
    w = load_workload(d)
    plans = churn_plans(d)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    scenarios = processes_of(d)
    list_baselines = processes_of(d, "list-baseline")
    baselines = {
        name[:-5]: load(d, name[:-5])
        for name in sorted(os.listdir(d))
        if name.startswith("baseline-") and name.endswith(".json")
    }
    n = w["resources"]
    refresh_known = any(summary_value(r, "statusRefreshes") is not None for r in scenarios)

    lines = []
    lines.append(f"### N = {n:,}")
    lines.append("")
    lines.append(
        f"N = {n:,} resources in {len(w['namespaces'])} namespaces, {w['namesPerResource']} names each from a"
        f" pool of {w['pool']:,} ({w['uniqueNamesUsed']:,} used), ttlSeconds {w['ttlSeconds']}; run {w['run']}"
        f" (job built from {meta.get('build', 'unknown')})."
    )
    lines.append(
        f"Heap: `{meta['heap']}`; job API concurrency {meta['apiConcurrency']}; write baselines' concurrency"
        f" {meta['apiConcurrency']}. Status refreshes: "
        + ("reported by the job." if refresh_known else "not reported by this job (old job): unknown.")
    )
    lines.append("")
    header = (
        "| scenario | exit | wall s | first API request s | due | DNS queries received (unique names; job sent) |"
        " NetworkPolicy writes | status writes" + (" (refreshes)" if refresh_known else "") + " |"
        " API requests (verb resource count) | peak RSS MiB | CPU s (user+sys) |"
    )
    lines.append(header)
    lines.append("|" + "|".join(["---"] * (header.count("|") - 1)) + "|")
    for r in scenarios:
        s = r["summary"] or {}
        status = fmt(s.get("statusWrites"))
        if refresh_known:
            status += f" ({fmt(s.get('statusRefreshes'))})"
        exit_cell = exit_text(r)[5:]
        if r.get("died"):
            exit_cell = f"**{exit_cell}**"
        lines.append(
            f"| {r['label']} | {exit_cell} | {fmt(r['wallSeconds'])} | {fmt(r['firstRequestSeconds'])} |"
            f" {fmt(s.get('due'))} | {fmt(r['dnsQueries'].get('query', 0))} ({fmt(s.get('uniqueNames'))};"
            f" {fmt(s.get('queries'))}) | {fmt(s.get('networkPolicyWrites'))} | {status} |"
            f" {api_text(r['apiRequests'])} | {fmt(r.get('peakRssMiB'), 0)} | {fmt(cpu_of(r), 1)} |"
        )
    lines.append("")

    ratios = {}
    if list_baselines:
        lines.append(
            "| job run | job wall s | job CPU s | list-only baseline | baseline wall s (JVM start included) |"
            " baseline listing s | baseline CPU s | baseline peak RSS MiB | job / baseline (wall) |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        by_number = {b["scenario"].rsplit("-", 1)[-1]: b for b in list_baselines}
        # Only runs with a baseline of their own, run right after them, make a pair.
        paired_ratios = []
        median_wall = median_or_none(b["wallSeconds"] for b in list_baselines if not b.get("died"))
        for r in scenarios:
            if not r["scenario"].startswith("at-rest"):
                continue
            number = numbered_at_rest(r["scenario"])
            paired = by_number.get(str(number)) if number is not None else None
            if paired is not None:
                description, seconds, baseline = f"{paired['scenario']}, run right after", paired["wallSeconds"], paired
                if paired.get("died"):
                    description += f" ({exit_text(paired)})"
            else:
                description, seconds, baseline = f"median of {len(list_baselines)}", median_wall, None
            ratio = None
            if r.get("died"):
                ratio_text = "job died"
            elif seconds is None or (baseline or {}).get("died"):
                ratio_text = "baseline failed"
            else:
                ratio = r["wallSeconds"] / seconds
                ratio_text = fmt(ratio)
                ratios[r["scenario"] + "/list-baseline"] = ratio
                if paired is not None:
                    paired_ratios.append(ratio)
            b = (baseline or {}).get("baseline") or {}
            lines.append(
                f"| {r['label']}{' (' + exit_text(r) + ')' if r.get('died') else ''} | {fmt(r['wallSeconds'])} |"
                f" {fmt(cpu_of(r), 1)} | {description} | {fmt(seconds)} | {fmt(b.get('seconds'))} |"
                f" {fmt(cpu_of(baseline), 1)} | {fmt((baseline or {}).get('peakRssMiB'), 0)} | {ratio_text} |"
            )
        lines.append("")
        if paired_ratios:
            ratios["at-rest/list-baseline median"] = statistics.median(paired_ratios)
            lines.append(
                f"Median at rest / list-only baseline: **{statistics.median(paired_ratios):.2f}**"
                f" ({len(paired_ratios)} pair{'s' if len(paired_ratios) > 1 else ''}). The baseline's wall time includes its JVM start, as the job's does."
            )
        else:
            lines.append("Median at rest / list-only baseline: – (no at-rest run completed).")
        lines.append("")

    if baselines:
        lines.append(
            "| job run | job wall s | job CPU s | write baseline (simplest client, same concurrency) | requests |"
            " baseline s (sending only) | baseline CPU s | job / baseline (wall) |"
        )
        lines.append("|---|---|---|---|---|---|---|---|")
        status_baselines = [b for name, b in baselines.items() if name.startswith("baseline-status")]
        median_status = median_or_none(b["seconds"] for b in status_baselines)

        def row(job, baseline, seconds, description, key):
            if job is None or baseline is None or not seconds:
                return
            ratio = None if job.get("died") else job["wallSeconds"] / seconds
            if ratio is not None:
                ratios[key] = ratio
            lines.append(
                f"| {job['label']} | {fmt(job['wallSeconds'])} | {fmt(cpu_of(job), 1)} | {description} |"
                f" {fmt(baseline['requests'])} ({baseline['errors']} failed) | {fmt(seconds)} |"
                f" {fmt(baseline.get('cpuSeconds'))} | {fmt(ratio) if ratio is not None else 'job died'} |"
            )

        jobs = {r["scenario"]: r for r in scenarios}
        row(jobs.get("cold"), baselines.get("baseline-cold"), (baselines.get("baseline-cold") or {}).get("seconds"),
            "the same writes: NetworkPolicy create + status apply + Event per resource", "cold/baseline-cold")
        if status_baselines:
            for r in scenarios:
                if r["scenario"] == "cold" or r["scenario"].startswith("at-rest"):
                    row(r, status_baselines[0], median_status,
                        f"status apply per resource (median of {len(status_baselines)})",
                        r["scenario"] + "/baseline-status")
        lines.append("")

    results = checks(d, w, plans)
    failed = [c for c in results if c["state"] == "FAILED"]
    unknown = [c for c in results if c["state"] == "unknown"]
    lines.append("| count check | expected | measured | |")
    lines.append("|---|---|---|---|")
    for c in results:
        measured = fmt(c["measured"]) if c["state"] != "unknown" else c["note"]
        lines.append(f"| {c['description']} | {fmt(c['expected'])} | {measured} | {c['state']} |")
    lines.append("")
    lines.append(
        f"Count checks: {len(results) - len(failed) - len(unknown)} ok, {len(failed)} FAILED, {len(unknown)} unknown."
    )

    died = [r for r in scenarios + list_baselines if r.get("died")]
    if died:
        lines.append(
            "Processes that did not complete: "
            + "; ".join(
                f"{r['label']}: {exit_text(r)} after {fmt(r['wallSeconds'])} s, peak RSS {fmt(r.get('peakRssMiB'), 0)} MiB"
                for r in died
            )
            + "."
        )

    at_rest_series = [r for r in scenarios if numbered_at_rest(r["scenario"]) is not None]
    at_rest_summary = None
    if at_rest_series:
        completed_runs = [r for r in at_rest_series if not r.get("died")]
        cpus = [cpu_of(r) for r in completed_runs if cpu_of(r) is not None]
        rss = [r["peakRssMiB"] for r in completed_runs if r.get("peakRssMiB") is not None]
        at_rest_summary = {
            "runs": len(at_rest_series),
            "completed": len(completed_runs),
            "jvmOptions": re.sub(r"-XX:AOTCache=\S+", "-XX:AOTCache=<cache>", at_rest_series[0]["jvmOptions"]),
            "cpuSecondsMedian": median_or_none(cpus),
            "cpuSecondsMin": min(cpus) if cpus else None,
            "cpuSecondsMax": max(cpus) if cpus else None,
            "wallSecondsMedian": median_or_none(r["wallSeconds"] for r in completed_runs),
            "peakRssMiBMedian": median_or_none(rss),
            "peakRssMiBMax": max(rss) if rss else None,
        }
        lines.append(
            f"At rest, the repeated runs ({len(completed_runs)} of {len(at_rest_series)} completed;"
            f" `{at_rest_summary['jvmOptions']}`): CPU per run {fmt(at_rest_summary['cpuSecondsMedian'])} s"
            f" median ({fmt(at_rest_summary['cpuSecondsMin'])} to {fmt(at_rest_summary['cpuSecondsMax'])}),"
            f" wall {fmt(at_rest_summary['wallSecondsMedian'])} s median, peak RSS"
            f" {fmt(at_rest_summary['peakRssMiBMedian'], 0)} MiB median ({fmt(at_rest_summary['peakRssMiBMax'], 0)} highest)."
            " With a CronJob starting one run a minute, CPU per run is CPU per minute."
        )

    def idle_variant(name):
        if name.startswith("idle-aot-c1-"):
            return "c1"
        return "aot" if name.startswith("idle-aot-") else "plain"

    def first_request_median(variant):
        return median_or_none(
            r["firstRequestSeconds"]
            for r in scenarios
            if r["scenario"].startswith("idle-") and idle_variant(r["scenario"]) == variant
        )

    loop = None
    if os.path.exists(os.path.join(d, "loop.json")):
        with open(os.path.join(d, "loop.json")) as f:
            loop = json.load(f)
        minutes = (loop["toNs"] - loop["fromNs"]) / 60e9
        loop["minutes"] = round(minutes, 2)
        loop["cpuSecondsPerMinute"] = round(loop["cpuTicks"] / loop["ticksPerSecond"] / minutes, 3)
        loop["jvmOptions"] = re.sub(r"-XX:AOTCache=\S+", "-XX:AOTCache=<cache>", " ".join(loop["jvmOptions"].split()))
        lines.append(
            f"Loop mode (`run --loop`, `{loop['jvmOptions']}`, ttlSeconds {loop['ttlSeconds']}), measured over"
            f" {fmt(loop['minutes'])} minutes after its first run: {loop['runs']} runs,"
            f" **{loop['cpuSecondsPerMinute']:.3f} s of CPU per minute**, peak RSS {loop['peakRssKiB'] / 1024:.0f} MiB"
            f" (load average at the end {loop['loadAverage']}; exit status on SIGTERM {loop['exitStatusOnSigterm']})."
        )

    first_plain = first_request_median("plain")
    first_aot = first_request_median("aot")
    first_aot_c1 = first_request_median("c1")
    if any(r["scenario"].startswith("idle-") for r in scenarios):
        lines.append(
            f"Start to first API request, median of the idle runs: {fmt(first_plain, 3)} s without,"
            f" {fmt(first_aot, 3)} s with the AOT cache, {fmt(first_aot_c1, 3)} s with the AOT cache and C1 only."
        )
    peak = max((r.get("peakRssMiB") or 0) for r in scenarios) if scenarios else None
    lines.append(f"Highest peak RSS of all job runs: {fmt(peak, 0)} MiB.")
    loads = [r["loadAverage"] for r in scenarios + list_baselines if r.get("loadAverage") is not None]
    if loads:
        lines.append(
            f"Load average (1 min) when each process started: {min(loads):.1f} to {max(loads):.1f}"
            f" (median {statistics.median(loads):.1f}) on {meta.get('nproc', '?')} cores."
        )

    out = {
        "workload": {k: v for k, v in w.items() if k not in ("names", "items")},
        "churnPlans": plans,
        "meta": meta,
        "statusRefreshesKnown": refresh_known,
        "scenarios": scenarios,
        "listBaselines": list_baselines,
        "baselines": baselines,
        "ratios": ratios,
        "atRest": at_rest_summary,
        "loop": loop,
        "firstRequestMedianSeconds": {"withoutAot": first_plain, "withAot": first_aot, "withAotC1Only": first_aot_c1},
        "peakRssMiB": peak,
        "checks": [dict(c, ok=(None if c["state"] == "unknown" else c["state"] == "ok")) for c in results],
        "checksFailed": len(failed),
        "checksUnknown": len(unknown),
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
    p.add_argument("--step", default="churn")
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
    p.add_argument("--kind", choices=("job", "list-baseline"), default="job")
    p.add_argument("--timeout", type=float, help="the limit the process ran under, in seconds")
    p.set_defaults(func=cmd_scenario)

    p = sub.add_parser("report")
    p.add_argument("dir")
    p.add_argument("--strict", action="store_true")
    p.set_defaults(func=cmd_report)

    args = parser.parse_args()
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
