#!/usr/bin/env python3
"""Assembles a container image from folders, byte for byte the same for the same input.

Writes one tar file that is both an OCI image layout (oci-layout, index.json, blobs/sha256/...)
and a `docker save` archive (manifest.json naming the same blobs), so that `skopeo copy
oci-archive:FILE`, `crane push FILE`, `ctr images import FILE` and `docker load -i FILE` all take
it. Used by scripts/image.sh; no Docker daemon, no registry, no root.

What makes it reproducible: every tar (each layer and the archive) lists its entries sorted by
path, with one modification time (--created), owner and group 0 with no names, and the file
modes as they are on disk; layers are compressed with gzip without a file name or time; the JSON
documents are written with sorted keys and no blanks. The same folders, options and zlib give
the same digests.

Usage: oci-image.py --output FILE --created EPOCH --ref NAME:TAG --config CONFIG.json
                    --layer DIR=PATH [--layer DIR=PATH ...] [--label KEY=VALUE ...]
                    [--annotation KEY=VALUE ...]
  --layer DIR=PATH  a layer holding the files under DIR at PATH in the image ("/" for the root);
                    the folders of PATH itself are added with mode 0755
  --config FILE     the image's run configuration as JSON: User, Env, Entrypoint, Cmd,
                    WorkingDir, Labels (the "config" object of the OCI image configuration)
  --label KEY=VALUE     a label added to those of --config
  --annotation KEY=VALUE  an annotation of the manifest (the org.opencontainers.image.* ones)
Prints the manifest's digest (sha256:...), the image's digest that registries report.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import time

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def canonical(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def full_name(ref):
    """NAME:TAG as Docker reads it: fqdn-job:1 is docker.io/library/fqdn-job:1. The image's
    name in containerd, that the kubelet looks up, must be the full one."""
    first, slash, rest = ref.partition("/")
    if not slash:
        return "docker.io/library/" + ref
    if "." not in first and ":" not in first and first != "localhost":
        return "docker.io/" + ref
    return ref


def entry(name, kind, mode, mtime, size=0, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = mtime
    info.size = size
    info.linkname = linkname
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def layer_tar(folder, prefix, mtime):
    """The uncompressed tar of the files under folder, placed at prefix (no leading slash)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        parents = [p for p in prefix.split("/") if p]
        for i in range(len(parents)):
            tar.addfile(entry("/".join(parents[: i + 1]), tarfile.DIRTYPE, 0o755, mtime))
        paths = []
        for top, dirs, files in os.walk(folder):
            dirs.sort()
            for name in dirs + files:
                paths.append(os.path.relpath(os.path.join(top, name), folder))
        for rel in sorted(paths):
            path = os.path.join(folder, rel)
            name = "/".join(parents + rel.split(os.sep))
            st = os.lstat(path)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                tar.addfile(entry(name, tarfile.DIRTYPE, mode, mtime))
            elif stat.S_ISLNK(st.st_mode):
                tar.addfile(entry(name, tarfile.SYMTYPE, 0o777, mtime, linkname=os.readlink(path)))
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    tar.addfile(entry(name, tarfile.REGTYPE, mode, mtime, size=st.st_size), f)
            else:
                sys.exit(f"oci-image: {path} is neither a file, a folder nor a symbolic link")
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--created", required=True, type=int)
    parser.add_argument("--ref", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--layer", action="append", required=True)
    parser.add_argument("--annotation", action="append", default=[])
    parser.add_argument("--label", action="append", default=[])
    args = parser.parse_args()

    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(args.created))
    blobs = {}

    def blob(data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return digest

    layers, diff_ids, history = [], [], []
    for spec in args.layer:
        folder, _, path = spec.partition("=")
        if not path or not os.path.isdir(folder):
            sys.exit(f"oci-image: --layer {spec}: expected an existing DIR=PATH")
        raw = layer_tar(folder, path.strip("/"), args.created)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        compressed = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=compressed, mtime=0) as z:
            z.write(raw)
        data = compressed.getvalue()
        layers.append({"mediaType": OCI_LAYER, "digest": blob(data), "size": len(data)})
        history.append({"created": created, "created_by": f"scripts/image.sh: COPY {os.path.basename(folder)}/ {path}"})

    with open(args.config, encoding="utf-8") as f:
        run_config = json.load(f)
    run_config.setdefault("Labels", {}).update(dict(l.split("=", 1) for l in args.label))
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": run_config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_bytes = canonical(config)
    config_digest = blob(config_bytes)
    annotations = dict(a.split("=", 1) for a in args.annotation)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
        "layers": layers,
        "annotations": annotations,
    }
    manifest_bytes = canonical(manifest)
    manifest_digest = blob(manifest_bytes)
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest_bytes),
                "annotations": {
                    # containerd names the imported image after this one; skopeo and crane select
                    # the image by it.
                    "io.containerd.image.name": full_name(args.ref),
                    "org.opencontainers.image.ref.name": full_name(args.ref),
                },
            }
        ],
    }
    docker_manifest = [
        {
            "Config": "blobs/sha256/" + config_digest.split(":")[1],
            "RepoTags": [args.ref],
            "Layers": ["blobs/sha256/" + l["digest"].split(":")[1] for l in layers],
        }
    ]

    files = {
        "oci-layout": canonical({"imageLayoutVersion": "1.0.0"}),
        "index.json": canonical(index),
        "manifest.json": canonical(docker_manifest),
    }
    for digest, data in blobs.items():
        files["blobs/sha256/" + digest.split(":")[1]] = data
    tmp = args.output + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in ("blobs", "blobs/sha256"):
            tar.addfile(entry(folder, tarfile.DIRTYPE, 0o755, args.created))
        for name in sorted(files):
            data = files[name]
            tar.addfile(entry(name, tarfile.REGTYPE, 0o644, args.created, size=len(data)), io.BytesIO(data))
    os.replace(tmp, args.output)
    print(manifest_digest)


if __name__ == "__main__":
    main()
