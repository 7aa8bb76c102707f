#!/usr/bin/env bash
# Makes the release bundle of fqdn-job VERSION from the last commit, offline, into DIR:
#
#   fqdn-job-VERSION.oci.tar  the image: an OCI image layout in a tar (index.json, oci-layout,
#                             blobs/sha256/...) that is also a `docker save` archive
#                             (manifest.json); `skopeo copy oci-archive:...`, `crane push`,
#                             `ctr images import` and `docker load` take it
#   sbom.cyclonedx.json       CycloneDX SBOM of the image: the Java dependencies, the Java
#                             runtime and the Debian packages (scripts/lib/sbom.py)
#   manifests/NAME.yaml       the install manifests, rendered with the image by digest
#                             (REPOSITORY@sha256:...): base.yaml from kustomize/base, and one per
#                             directory under kustomize/overlays that holds a kustomization.yaml
#   LICENSE                   Apache-2.0
#   SHA256SUMS                `sha256sum -c SHA256SUMS` checks every other file
#
# Usage: scripts/release.sh [--repository REPOSITORY] [--source URL] [--verify-reproducible]
#                           VERSION DIR
#   VERSION        the release's version, X.Y.Z or X.Y.Z-PRERELEASE (semantic versioning,
#                  without +BUILD: an image tag cannot hold a `+`); it replaces pom.xml's
#                  version in the build
#   DIR            where the bundle goes: a directory that does not exist yet or is empty
#   --repository   the image's repository in the rendered manifests and its name in the
#                  archive (default fqdn-job, as `docker load` names it); the manifests pin the
#                  digest, so the name can only ever pull these bytes
#   --source URL   the source repository, for the label org.opencontainers.image.source
#                  (default: the URL of the git remote origin; a release needs one)
#   --verify-reproducible
#                  builds the image a second time, from another copy of the commit with nothing
#                  reused, and fails unless both digests are the same
#
# Refuses (exit 2), saying why: a work tree with changes (`git status --porcelain` not empty),
# a missing or malformed VERSION, a DIR that is not empty, no source URL. Builds from `git
# archive HEAD` in a temporary directory, never from the work tree; SOURCE_DATE_EPOCH is the
# last commit's time, the image's `created` and every file's time. The image is built by
# scripts/image.sh from the versions pinned in src/main/docker/pins.txt (JDK, Debian packages).
# Needs: git, python3, the pinned JDK, apt-get (Debian packages, cached in
# ~/.cache/fqdn-job/image/debs), Maven Central (the Maven wrapper), and a kubectl with kustomize:
# $FQDN_KUBECTL, else the newest ~/.cache/fqdn-job/k8s/*/bin/kubectl, else the one
# scripts/lib/k8s-binaries.sh provides.
set -euo pipefail
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE_ROOT="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
# The image names in the manifests of kustomize/ that the release replaces by the digest: the
# placeholder, and the name that manifests carried before it.
PLACEHOLDERS=(fqdn-job.invalid/fqdn-job ghcr.io/fqdn-job/fqdn-job)
SEMVER='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?$'

log() { printf 'release: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
refuse() {
  log "refused: $*"
  exit 2
}
usage() {
  sed -n '16,30s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

repository=fqdn-job
source_url=${FQDN_RELEASE_SOURCE:-}
verify=0
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --repository)
      [ $# -ge 2 ] || usage
      repository=$2
      shift 2
      ;;
    --repository=*)
      repository=${1#*=}
      shift
      ;;
    --source)
      [ $# -ge 2 ] || usage
      source_url=$2
      shift 2
      ;;
    --source=*)
      source_url=${1#*=}
      shift
      ;;
    --verify-reproducible)
      verify=1
      shift
      ;;
    -h | --help) usage ;;
    -*) refuse "unknown option $1 (see --help)" ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done
[ ${#args[@]} -ge 1 ] || refuse "no VERSION given: usage: scripts/release.sh [options] VERSION DIR (e.g. 1.2.0 dist/1.2.0)"
[ ${#args[@]} -eq 2 ] || refuse "expected VERSION and DIR, got ${#args[@]} arguments: ${args[*]}"
version=${args[0]}
dir=${args[1]}
[[ $version =~ $SEMVER ]] \
  || refuse "VERSION '$version' is not a semantic version X.Y.Z or X.Y.Z-PRERELEASE (no leading v, no +BUILD)"
[[ $repository =~ ^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$ ]] && [[ $repository != *@* ]] \
  || refuse "--repository '$repository' is not an image repository (e.g. registry.example.com/platform/fqdn-job)"
if [ -e "$dir" ]; then
  [ -d "$dir" ] || refuse "DIR $dir exists and is not a directory"
  [ -z "$(ls -A "$dir")" ] || refuse "DIR $dir is not empty: a bundle goes into an empty or new directory"
fi

cd "$REPO_ROOT"
git rev-parse --git-dir >/dev/null 2>&1 || refuse "$REPO_ROOT is not a git work tree: a release is built from a commit"
changes=$(git status --porcelain)
[ -z "$changes" ] || refuse "the work tree has changes; a release is built from a commit, so commit or stash them first:
$changes"
revision=$(git rev-parse HEAD)
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
export SOURCE_DATE_EPOCH
if [ -z "$source_url" ]; then
  source_url=$(git remote get-url origin 2>/dev/null || true)
fi
# Never a password or token in a label.
source_url=$(sed -E 's#^([a-z+]+://)[^/@]*@#\1#' <<<"$source_url")
[ -n "$source_url" ] \
  || refuse "no source URL for the label org.opencontainers.image.source: pass --source URL or set a git remote origin"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fqdn-job-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

# export_tree DEST: the commit's files in DEST, with pom.xml's version set to VERSION.
export_tree() {
  mkdir -p "$1"
  git archive --format=tar HEAD | tar -x -C "$1" || die "git archive HEAD failed"
  python3 - "$1/pom.xml" "$version" <<'EOF' || die "setting the version in pom.xml failed"
import re, sys
path, version = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
# The project's own <version>: the first one after its artifactId, before any <dependencies>.
pattern = re.compile(r"(<artifactId>fqdn-job</artifactId>\s*<version>)[^<]*(</version>)")
text, count = pattern.subn(lambda m: m.group(1) + version + m.group(2), text, count=1)
if count != 1:
    sys.exit(f"no <version> after <artifactId>fqdn-job</artifactId> in {path}")
open(path, "w", encoding="utf-8").write(text)
EOF
}

# build_image TREE: builds the image in TREE; prints its digest.
build_image() {
  (cd "$1" && SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH FQDN_IMAGE_REVISION=$revision \
    FQDN_IMAGE_SOURCE=$source_url scripts/image.sh --tag "$repository:$version" \
    --save "$1/target/fqdn-job-$version.oci.tar" >&2) || die "building the image failed (scripts/image.sh, output above)"
  cat "$1/target/image/digest"
}

find_kubectl() {
  local candidate
  if [ -n "${FQDN_KUBECTL:-}" ]; then
    echo "$FQDN_KUBECTL"
    return
  fi
  candidate=$(ls -d "$CACHE_ROOT"/k8s/v*/bin/kubectl 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$candidate" ]; then
    echo "$candidate"
    return
  fi
  candidate=$("$SCRIPT_DIR/lib/k8s-binaries.sh") || die "no kubectl: set FQDN_KUBECTL or see scripts/lib/k8s-binaries.sh"
  echo "$candidate/kubectl"
}

log "fqdn-job $version from $revision (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)) into $dir"
tree=$work/build
export_tree "$tree"
digest=$(build_image "$tree")
log "image $repository:$version: $digest"
if [ $verify -eq 1 ]; then
  log "--verify-reproducible: building the image again from another copy of the commit"
  export_tree "$work/again"
  again=$(build_image "$work/again")
  [ "$again" = "$digest" ] || die "not reproducible: the second build gave $again, the first $digest"
  cmp -s "$tree/target/fqdn-job-$version.oci.tar" "$work/again/target/fqdn-job-$version.oci.tar" \
    || die "not reproducible: the two archives differ though the digests are the same"
  log "reproducible: both builds gave $digest"
  rm -rf "$work/again"
fi
mv "$tree/target/fqdn-job-$version.oci.tar" "$dir/fqdn-job-$version.oci.tar"

log "SBOM (cyclonedx-maven-plugin for the Java dependencies)"
(cd "$tree" && ./mvnw -B -q -Dspotless.check.skip=true "-Dproject.build.outputTimestamp=$SOURCE_DATE_EPOCH" \
  org.cyclonedx:cyclonedx-maven-plugin:makeBom >&2) || die "cyclonedx-maven-plugin makeBom failed"
components=$(python3 "$SCRIPT_DIR/lib/sbom.py" --maven-bom "$tree/target/bom.json" \
  --record "$tree/target/image/record.tsv" --version "$version" --digest "$digest" \
  --repository "$repository" --created "$SOURCE_DATE_EPOCH" --output "$dir/sbom.cyclonedx.json") \
  || die "writing the SBOM failed (scripts/lib/sbom.py)"
log "SBOM: $components components"

kubectl=$(find_kubectl)
log "manifests (kustomize of $kubectl)"
mkdir -p "$dir/manifests"
render() { # render NAME PATH: PATH relative to the tree's root
  local name=$1 path=$2 out="$dir/manifests/$1.yaml" k="$tree/.release/$1" image
  mkdir -p "$k"
  {
    echo "# Made by scripts/release.sh: $path with the image by digest."
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    echo "  - ../../$path"
    echo "images:"
    for image in "${PLACEHOLDERS[@]}"; do
      echo "  - {name: $image, newName: $repository, digest: $digest}"
    done
  } >"$k/kustomization.yaml"
  "$kubectl" kustomize "$k" >"$out.tmp" || die "kubectl kustomize $path failed"
  {
    echo "# fqdn-job $version ($revision): $path, rendered with the image by digest."
    echo "# Apply with: kubectl apply --server-side -f $name.yaml"
    cat "$out.tmp"
  } >"$out"
  rm "$out.tmp"
  for image in "${PLACEHOLDERS[@]}"; do
    ! grep -n -F "$image" "$out" >&2 || die "manifests/$name.yaml still names $image (lines above)"
  done
  grep -q -F "image: $repository@$digest" "$out" || die "manifests/$name.yaml names no image $repository@$digest"
  log "  manifests/$name.yaml from $path"
}
render base kustomize/base
for overlay in "$tree"/kustomize/overlays/*/; do
  [ -f "$overlay/kustomization.yaml" ] || continue
  render "$(basename "$overlay")" "kustomize/overlays/$(basename "$overlay")"
done

cp "$tree/LICENSE" "$dir/LICENSE"
(cd "$dir" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum >SHA256SUMS) \
  || die "writing SHA256SUMS failed"
log "done in $(($(date +%s) - started)) s: $dir"
(cd "$dir" && find . -type f -printf '%P\t%s\n' | LC_ALL=C sort) >&2
echo "$digest"
