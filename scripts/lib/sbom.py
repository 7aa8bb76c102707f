#!/usr/bin/env python3
"""Writes the CycloneDX SBOM of a release's image: what the image carries, by layer.

  /opt/fqdn-job  the Java dependencies and fqdn-job itself: the BOM that cyclonedx-maven-plugin
                 wrote for the runtime scope (target/bom.json), taken as it is
  /opt/java      the Java runtime: a jlink image of the pinned JDK, with its modules
  /              the Debian packages whose files make the base (name, version, architecture,
                 source package), and the distribution they come from

Usage: sbom.py --maven-bom target/bom.json --record target/image/record.tsv --version VERSION
               --digest sha256:... --repository REPO --created EPOCH --output FILE
  record.tsv is what scripts/image.sh wrote: lines `jdk VERSION VENDOR IMPLEMENTOR_VERSION
  SOURCE_REPO`, `deb PACKAGE VERSION ARCH SOURCE`, `modules NAMES`, tab-separated.
Prints the number of components.
"""

import argparse
import json
import time
from urllib.parse import quote


def purl_version(version):
    return quote(version, safe="")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for option in ("--maven-bom", "--record", "--version", "--digest", "--repository", "--output"):
        parser.add_argument(option, required=True)
    parser.add_argument("--created", required=True, type=int)
    args = parser.parse_args()

    with open(args.maven_bom, encoding="utf-8") as f:
        bom = json.load(f)
    app = bom["metadata"]["component"]
    jdk, debs, modules = None, [], []
    with open(args.record, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "jdk":
                jdk = fields[1:]
            elif fields[0] == "deb":
                debs.append(fields[1:])
            elif fields[0] == "modules":
                modules = fields[1].split()
    if jdk is None or not debs or not modules:
        raise SystemExit(f"sbom: {args.record} names no JDK, no Debian package or no module")

    debian = "12"
    for name, version, *_ in debs:
        if name == "base-files":
            debian = version.split(".")[0]
    distro = f"debian-{debian}"

    image_ref = f"image:{args.digest}"
    digest_hex = args.digest.split(":", 1)[1]
    image = {
        "type": "container",
        "bom-ref": image_ref,
        "name": args.repository.rsplit("/", 1)[-1],
        "version": args.version,
        "purl": f"pkg:oci/{args.repository.rsplit('/', 1)[-1]}@sha256%3A{digest_hex}"
        f"?tag={quote(args.version, safe='')}",
        "hashes": [{"alg": "SHA-256", "content": digest_hex}],
        "licenses": [{"license": {"id": "Apache-2.0"}}],
    }

    runtime_version, vendor, implementor_version, source_repo = (jdk + ["", "", "", ""])[:4]
    runtime = {
        "type": "platform",
        "bom-ref": f"runtime:java@{runtime_version}",
        "name": "java-runtime",
        "version": runtime_version,
        "description": f"jlink image of {implementor_version or 'the JDK'} in /opt/java",
        "supplier": {"name": vendor},
        # An SPDX expression, not a single id.
        "licenses": [{"expression": "GPL-2.0-only WITH Classpath-exception-2.0"}],
        "purl": f"pkg:generic/{quote(vendor.lower().replace(' ', '-'), safe='')}/jdk@"
        f"{purl_version(runtime_version)}",
        "properties": [{"name": "io.fqdnjob:jlink-modules", "value": ",".join(modules)}],
    }
    if source_repo:
        runtime["externalReferences"] = [{"type": "vcs", "url": source_repo}]

    os_component = {
        "type": "operating-system",
        "bom-ref": f"os:{distro}",
        "name": "debian",
        "version": debian,
        "description": "the Debian release the base's packages come from",
    }
    packages = []
    for name, version, arch, source in debs:
        purl = f"pkg:deb/debian/{name}@{purl_version(version)}?arch={arch}&distro={distro}"
        if source and source != name:
            purl += f"&upstream={quote(source, safe='')}"
        packages.append(
            {
                "type": "library",
                "bom-ref": purl,
                "name": name,
                "version": version,
                "purl": purl,
                "supplier": {"name": "Debian"},
                "properties": [{"name": "io.fqdnjob:debian-source", "value": source or name}],
            }
        )

    components = [app] + bom.get("components", []) + [runtime, os_component] + packages
    dependencies = bom.get("dependencies", []) + [
        {
            "ref": image_ref,
            "dependsOn": [app["bom-ref"], runtime["bom-ref"], os_component["bom-ref"]]
            + [p["bom-ref"] for p in packages],
        }
    ]
    metadata = dict(bom["metadata"])
    metadata["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(args.created))
    metadata["component"] = image
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": bom.get("specVersion", "1.6"),
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(sbom, f, indent=2, sort_keys=True)
        f.write("\n")
    print(len(components))


if __name__ == "__main__":
    main()
