#!/usr/bin/env bash
# Builds the container image of fqdn-job, offline and reproducibly: the same commit, pins and
# machine kind give the same image digest. The image is assembled from folders by
# scripts/lib/oci-image.py (no Docker daemon, no Dockerfile) and written as one archive that is
# both an OCI image layout and a `docker save` archive. With --pause, builds instead the pause
# image that a Kubernetes node runs in every pod (scripts/lib/pause.c), with a Docker daemon.
#
# Usage: scripts/image.sh [--tag NAME:TAG] [--save FILE] [--no-package]
#        scripts/image.sh --pause [--tag NAME:TAG] [--save FILE]
#   --tag NAME:TAG  the image's name: fqdn-job:<version in pom.xml> by default, with --pause
#                   fqdn-job.local/pause:3.10
#   --save FILE     where to write the image archive, for `docker load -i FILE`,
#                   `ctr -n k8s.io images import FILE`, `skopeo copy oci-archive:FILE ...` or
#                   `crane push DIR ...` of it unpacked; by default
#                   target/image/fqdn-job-<version>.oci.tar (with --pause: `docker save` to FILE)
#   --no-package    use target/fqdn-job-*-dist.tar.gz as it is rather than `./mvnw package`
#   --pause         build the pause image
#
# The image, three layers (files owned by root, read-only to the job, all of one time):
#   /             the base: glibc's loader and the glibc libraries that the runtime links
#                 against, plus libgcc_s and the C.UTF-8 locale; busybox as /bin/sh and the
#                 applets that bin/fqdn-job runs; /etc/passwd and /etc/group with user and group
#                 65532 (nonroot); an empty /tmp (mode 1777); the packages' control files in
#                 /var/lib/dpkg/status.d for image scanners and their copyright files in
#                 /usr/share/doc; fqdn-job's LICENSE in /usr/share/doc/fqdn-job. The files come
#                 from the Debian packages pinned in src/main/docker/pins.txt, which apt-get
#                 downloads (no installation) into $FQDN_CACHE_DIR/image/debs, by default
#                 ~/.cache/fqdn-job/image/debs.
#   /opt/java     a jlink runtime of the JDK pinned in src/main/docker/pins.txt with the modules
#                 that jdeps finds in lib/*.jar, less java.desktop (see JLINK_DROP)
#   /opt/fqdn-job the distribution tarball, unpacked
# Its configuration (user 65532, entry point, environment, fixed labels) is
# src/main/docker/image-config.json; image.sh adds the labels and manifest annotations
# org.opencontainers.image.{version,revision,source,created} and the runtime's and packages'
# versions. It holds no AOT cache (scripts/aot-train.sh): two trainings never give the same bytes.
# The staged folders stay in target/image/context; target/image/record.tsv lists what went in
# (for the SBOM of scripts/release.sh); target/image/digest holds the image's digest.
#
# Environment: SOURCE_DATE_EPOCH, the time of every file and of the image's `created` (default:
# the time of the last commit, `git log -1 --format=%ct`); FQDN_IMAGE_REVISION (default: `git
# rev-parse HEAD`, with -dirty when the work tree has changes) and FQDN_IMAGE_SOURCE (default:
# the URL of the git remote origin) for the labels; FQDN_CACHE_DIR (caches, as in the other
# scripts); FQDN_IMAGE_JLINK_COMPRESS, jlink's --compress value (default zip-6; `none` for none).
# For --pause only (needs root): FQDN_DOCKER_HOST, a Docker daemon to build with instead of the
# private one (scripts/lib/dockerd.sh); FQDN_DOCKERD_KEEP=1 leaves the private daemon running.
set -euo pipefail
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE_ROOT="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
DEBS="$CACHE_ROOT/image/debs"
WORK="$REPO_ROOT/target/image"
DOCKER=/usr/bin/docker
DOCKERD="$SCRIPT_DIR/lib/dockerd.sh"

PINS="$REPO_ROOT/src/main/docker/pins.txt"
IMAGE_CONFIG="$REPO_ROOT/src/main/docker/image-config.json"
OCI_IMAGE="$SCRIPT_DIR/lib/oci-image.py"
# The applets linked into /bin: those bin/fqdn-job runs (dirname, ls, sed) and those
# scripts/aot-train.sh runs, to train an AOT cache on the image's runtime by hand.
APPLETS=(sh cat cut date dirname du grep ls mktemp mv rm sed tail)
# Modules jdeps reports that only code the job never runs needs. java.desktop (13 MB, and AWT's
# native libraries): java.beans, for JavaBeans introspection in SnakeYAML and Jackson (both
# declare the module optional; the job and the Kubernetes client load and dump YAML as maps and
# lists), commons-lang3's circuit breakers and commons-compress's Pack200.
JLINK_DROP=(java.desktop)
# Measured on the image (2 cores; figures in README, Packaging): zip-6 makes it 22 MB smaller
# (135 instead of 157 MB), though 5 MB larger gzipped, and adds at most some 5 % of start-up CPU
# (measured with an AOT cache, which held the classes a run loads).
JLINK_COMPRESS=${FQDN_IMAGE_JLINK_COMPRESS:-zip-6}
PAUSE_TAG=fqdn-job.local/pause:3.10

log() { printf 'image: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
# Any other failing command: say which.
set -E
trap 'log "error: failed (exit $?) at line $LINENO of ${BASH_SOURCE[0]}: $BASH_COMMAND"' ERR

usage() {
  sed -n '8,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

tag=
save=
package=1
pause=0
while [ $# -gt 0 ]; do
  case $1 in
    --tag)
      [ $# -ge 2 ] || usage
      tag=$2
      shift 2
      ;;
    --tag=*)
      tag=${1#*=}
      shift
      ;;
    --save)
      [ $# -ge 2 ] || usage
      save=$2
      shift 2
      ;;
    --save=*)
      save=${1#*=}
      shift
      ;;
    --no-package)
      package=0
      shift
      ;;
    --pause)
      pause=1
      shift
      ;;
    *) usage ;;
  esac
done
if [ -n "$save" ]; then
  mkdir -p "$(dirname "$save")"
  save=$(cd "$(dirname "$save")" && pwd)/$(basename "$save")
fi

# --- the Docker daemon ---------------------------------------------------------------------------

started_daemon=0
cleanup() {
  if [ $started_daemon -eq 1 ]; then
    if [ "${FQDN_DOCKERD_KEEP:-0}" = 1 ]; then
      log "the private Docker daemon keeps running (FQDN_DOCKERD_KEEP=1): DOCKER_HOST=$DOCKER_HOST; stop it with $DOCKERD stop"
    else
      "$DOCKERD" stop || log "could not stop the private Docker daemon: run $DOCKERD stop"
    fi
  fi
}
trap cleanup EXIT

use_daemon() {
  if [ -n "${FQDN_DOCKER_HOST:-}" ]; then
    export DOCKER_HOST=$FQDN_DOCKER_HOST
    "$DOCKER" version >/dev/null || die "no Docker daemon answers at FQDN_DOCKER_HOST=$FQDN_DOCKER_HOST"
    return
  fi
  export DOCKER_HOST
  DOCKER_HOST=$("$DOCKERD" host)
  # The client's configuration of the private daemon: no credential helpers or contexts of the
  # machine's user.
  export DOCKER_CONFIG="$CACHE_ROOT/docker/client"
  if ! "$DOCKERD" status; then
    started_daemon=1
    # Without the lock's descriptor: a daemon left running must not hold the lock.
    "$DOCKERD" start 9>&- || die "could not start the private Docker daemon (scripts/lib/dockerd.sh start)"
  fi
}

# docker_build TAG CONTEXT DOCKERFILE [ARGS...]: the legacy builder, no network.
docker_build() {
  local name=$1 context=$2 dockerfile=$3
  shift 3
  DOCKER_BUILDKIT=0 "$DOCKER" build --network=none --force-rm -f "$dockerfile" -t "$name" "$@" "$context" >&2 \
    || die "docker build of $name failed (see its output above)"
  if [ -z "${FQDN_DOCKER_HOST:-}" ]; then
    # Earlier builds of the same tag, now untagged, in the private daemon only.
    "$DOCKER" image prune -f >/dev/null || true
  fi
}

report() {
  local name=$1 size
  size=$("$DOCKER" image inspect -f '{{.Size}}' "$name") || die "docker image inspect $name failed"
  log "built $name: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }') MB)"
  if [ -n "$save" ]; then
    "$DOCKER" save -o "$save.tmp" "$name" || die "docker save $name failed"
    mv "$save.tmp" "$save"
    log "saved $name to $save ($(stat -c %s "$save") bytes); load it with \`docker load -i $save\` or \`ctr -n k8s.io images import $save\`"
  fi
}

# --- the pause image ---------------------------------------------------------------------------

build_pause() {
  local context="$WORK/pause"
  command -v gcc >/dev/null || die "gcc not found: apt-get install gcc libc6-dev"
  rm -rf "$context"
  mkdir -p "$context"
  gcc -static -O2 -s -Wall -Wextra -o "$context/pause" "$SCRIPT_DIR/lib/pause.c" \
    || die "compiling scripts/lib/pause.c failed (gcc -static needs libc6-dev)"
  cat >"$context/Dockerfile" <<'EOF'
# Built by scripts/image.sh --pause from scripts/lib/pause.c.
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
EOF
  find "$context" -exec touch -h -d @0 {} +
  use_daemon
  docker_build "${tag:-$PAUSE_TAG}" "$context" "$context/Dockerfile"
  report "${tag:-$PAUSE_TAG}"
}

# --- the job's image ---------------------------------------------------------------------------

# Unpacks the distribution tarball into $CONTEXT/fqdn-job.
stage_distribution() {
  local tarballs
  if [ $package -eq 1 ]; then
    log "packaging (./mvnw package -Dmaven.test.skip=true)"
    # The jars' entries get the time SOURCE_DATE_EPOCH: the same sources give the same jars. The
    # tests are not compiled either: nothing of them goes into the image.
    (cd "$REPO_ROOT" && ./mvnw -B -q -Dmaven.test.skip=true -Dspotless.check.skip=true \
      "-Dproject.build.outputTimestamp=$SOURCE_DATE_EPOCH" package >&2) \
      || die "packaging failed (./mvnw -B -q -Dmaven.test.skip=true package)"
  fi
  shopt -s nullglob
  tarballs=("$REPO_ROOT"/target/fqdn-job-*-dist.tar.gz)
  shopt -u nullglob
  [ ${#tarballs[@]} -eq 1 ] \
    || die "expected one target/fqdn-job-*-dist.tar.gz, found ${#tarballs[@]}; run without --no-package"
  rm -rf "$CONTEXT/fqdn-job" "$WORK/unpack"
  mkdir -p "$WORK/unpack"
  tar -xzf "${tarballs[0]}" -C "$WORK/unpack" || die "unpacking ${tarballs[0]} failed"
  mv "$WORK/unpack"/fqdn-job-* "$CONTEXT/fqdn-job"
  rmdir "$WORK/unpack"
  [ -x "$CONTEXT/fqdn-job/bin/fqdn-job" ] || die "${tarballs[0]} holds no bin/fqdn-job"
  rm -f "$CONTEXT/fqdn-job/lib/fqdn-job.aot"
}

# Makes $CONTEXT/jre with jlink, unless it was made from the same JDK with the same options.
stage_runtime() {
  local lib="$CONTEXT/fqdn-job/lib" feature digest modules drop stamp options
  feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release")
  [ -n "$feature" ] || die "cannot read the Java version of $JAVA_HOME/release"
  # The reduced list (java.sql stands for java.logging, java.xml and java.transaction.xa, which
  # it requires transitively). The jars on the module path: several are named modules whose
  # requirements must resolve. jdeps takes some 15 s of CPU; its answer is kept per set of jars.
  digest=$(cd "$lib" && sha256sum -- *.jar | sha256sum | cut -d' ' -f1)
  modules=$(sed -n "s/^$digest $feature //p" "$WORK/jdeps.cache" 2>/dev/null || true)
  if [ -z "$modules" ]; then
    modules=$(jdeps --print-module-deps --ignore-missing-deps --multi-release "$feature" \
      --module-path "$lib" "$lib"/*.jar 2>"$WORK/jdeps.err" | tail -n 1) \
      || die "jdeps failed: $(cat "$WORK/jdeps.err")"
    [[ $modules =~ ^[a-z0-9.,]+$ ]] || die "jdeps printed no module list: $modules $(cat "$WORK/jdeps.err")"
    echo "$digest $feature $modules" >"$WORK/jdeps.cache"
  fi
  for drop in "${JLINK_DROP[@]}"; do
    modules=$(tr , '\n' <<<"$modules" | grep -vx "$drop" | paste -sd, -)
  done
  options=(--add-modules "$modules" --strip-debug --no-header-files --no-man-pages)
  [ "$JLINK_COMPRESS" = none ] || options+=("--compress=$JLINK_COMPRESS")
  stamp="$JAVA_HOME $(sed -n 's/^FULL_VERSION=//p' "$JAVA_HOME/release") ${options[*]} +strip-libjvm"
  if [ -f "$WORK/jre.stamp" ] && [ "$(cat "$WORK/jre.stamp")" = "$stamp" ] && [ -x "$CONTEXT/jre/bin/java" ]; then
    log "reusing the jlink runtime ($modules)"
    return
  fi
  log "jlink runtime of $JAVA_HOME: $modules"
  rm -rf "$CONTEXT/jre" "$WORK/jre.stamp"
  jlink "${options[@]}" --output "$CONTEXT/jre" >&2 || die "jlink failed"
  # jlink's release file names only the version and the modules; add which build they are.
  grep -E '^(IMPLEMENTOR|IMPLEMENTOR_VERSION|JAVA_RUNTIME_VERSION|SOURCE|BUILD_SOURCE|FULL_VERSION)=' \
    "$JAVA_HOME/release" >>"$CONTEXT/jre/release" || true
  # libjvm.so's symbol table (5 MB) serves only to name its frames in a crash report (hs_err),
  # which then shows offsets instead; Adoptium publishes the symbols of each build.
  strip --strip-unneeded "$CONTEXT/jre/lib/server/libjvm.so" || die "strip of libjvm.so failed (binutils)"
  echo "$stamp" >"$WORK/jre.stamp"
}

# Reads src/main/docker/pins.txt: sets JDK_PIN and PINNED (package -> version, in the file's
# order in BASE_PACKAGES).
declare -A PINNED
BASE_PACKAGES=()
JDK_PIN=
read_pins() {
  local kind name version rest line=0
  [ -f "$PINS" ] || die "$PINS is missing"
  while read -r kind name version rest; do
    line=$((line + 1))
    case $kind in
      '' | '#'*) continue ;;
      jdk)
        [ -n "$name" ] && [ -z "$version" ] || die "$PINS line $line: expected \`jdk VERSION\`"
        JDK_PIN=$name
        ;;
      deb)
        [ -n "$version" ] && [ -z "$rest" ] || die "$PINS line $line: expected \`deb PACKAGE VERSION\`"
        PINNED[$name]=$version
        BASE_PACKAGES+=("$name")
        ;;
      *) die "$PINS line $line: unknown kind '$kind' (jdk or deb)" ;;
    esac
  done <"$PINS"
  [ -n "$JDK_PIN" ] || die "$PINS pins no JDK (a line \`jdk VERSION\`)"
  [ ${#BASE_PACKAGES[@]} -gt 0 ] || die "$PINS pins no Debian package"
}

# Sets JAVA_HOME to the JDK of the pinned version: $JAVA_HOME or one under /usr/lib/jvm.
pick_pinned_jdk() {
  local candidate version found= seen=()
  for candidate in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
    [ -f "$candidate/release" ] && [ -x "$candidate/bin/jlink" ] || continue
    version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$candidate/release")
    seen+=("$candidate (${version:-no JAVA_RUNTIME_VERSION})")
    if [ "$version" = "$JDK_PIN" ]; then
      found=$candidate
      break
    fi
  done
  [ -n "$found" ] || die "no JDK $JDK_PIN (pinned in src/main/docker/pins.txt) in \$JAVA_HOME or /usr/lib/jvm; found: ${seen[*]:-none}. Install that JDK, or change the pin (the image's digest changes with it)"
  export JAVA_HOME=$found
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Prints the path of the .deb of PACKAGE's pinned version in $DEBS, downloading it first;
# returns 1 when the download fails.
fetch_deb() {
  local pkg=$1 version=${PINNED[$1]} deb
  for deb in "$DEBS/${pkg}"_*.deb; do
    if [ -f "$deb" ] && [ "$(dpkg-deb -f "$deb" Version)" = "$version" ]; then
      echo "$deb"
      return
    fi
  done
  log "downloading $pkg $version"
  # As root, apt cannot hand the download to its _apt user in a folder that user may not write.
  (cd "$DEBS" && apt-get download -o APT::Sandbox::User=root "$pkg=$version" >&2) || return 1
  for deb in "$DEBS/${pkg}"_*.deb; do
    if [ "$(dpkg-deb -f "$deb" Version)" = "$version" ]; then
      echo "$deb"
      return
    fi
  done
  return 1
}

# Makes $CONTEXT/rootfs from the Debian packages; sets BASE_RECORD to "package=version ..." and
# writes their name, version, architecture and source package to $WORK/record.tsv.
stage_rootfs() {
  local rootfs="$CONTEXT/rootfs" x="$WORK/debs" pkg deb file soname found needed=() applet
  mkdir -p "$DEBS"
  rm -rf "$rootfs" "$x"
  mkdir -p "$x" "$rootfs"/{bin,etc,lib/x86_64-linux-gnu,lib64,tmp,var/lib/dpkg/status.d}
  BASE_RECORD=
  for pkg in "${BASE_PACKAGES[@]}"; do
    # The pinned version is in the cache, else downloaded; when the package lists do not know it
    # (yet, or no longer), once more after refreshing them.
    if ! deb=$(fetch_deb "$pkg"); then
      log "downloading $pkg ${PINNED[$pkg]} failed; updating the package lists (apt-get update) and trying again"
      apt-get update >&2 || die "apt-get update failed"
      deb=$(fetch_deb "$pkg") \
        || die "apt-get download $pkg=${PINNED[$pkg]} failed: the Debian mirror no longer serves the version pinned in src/main/docker/pins.txt (\`apt-cache policy $pkg\` names the one it has: pin it)"
    fi
    [ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || [ "$(dpkg-deb -f "$deb" Architecture)" = all ] \
      || die "$deb is not for amd64"
    dpkg-deb -x "$deb" "$x/$pkg" || die "dpkg-deb -x $deb failed"
    # The package's control fields, where scanners (Trivy, Grype) look in distroless images.
    dpkg-deb -f "$deb" >"$rootfs/var/lib/dpkg/status.d/$pkg" || die "dpkg-deb -f $deb failed"
    # Its copyright file: the licenses of what the image carries from it.
    if [ -f "$x/$pkg/usr/share/doc/$pkg/copyright" ]; then
      mkdir -p "$rootfs/usr/share/doc/$pkg"
      cp "$x/$pkg/usr/share/doc/$pkg/copyright" "$rootfs/usr/share/doc/$pkg/copyright"
    fi
    BASE_RECORD+="${BASE_RECORD:+ }$pkg=$(dpkg-deb -f "$deb" Version)"
    printf 'deb\t%s\t%s\t%s\t%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" \
      "$(dpkg-deb -f "$deb" Architecture)" "$(dpkg-deb -f "$deb" Source | cut -d' ' -f1)" >>"$WORK/record.tsv"
  done
  mkdir -p "$rootfs/usr/share/doc/fqdn-job"
  cp "$REPO_ROOT/LICENSE" "$rootfs/usr/share/doc/fqdn-job/LICENSE"

  # The libraries that the runtime's programs and libraries link against, less its own (ldd
  # finds libjvm.so only from those with a search path to it; the JVM has loaded it before the
  # others anyway).
  while read -r soname; do
    [ -e "$CONTEXT/jre/lib/$soname" ] || [ -e "$CONTEXT/jre/lib/server/$soname" ] || needed+=("$soname")
  done < <(
    find "$CONTEXT/jre" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} + 2>/dev/null \
      | awk '$2 == "=>" { print $1 }' | sort -u
  )
  needed+=(libgcc_s.so.1)
  for soname in "${needed[@]}"; do
    found=
    for pkg in "${BASE_PACKAGES[@]}"; do
      for file in "$x/$pkg/lib/x86_64-linux-gnu/$soname" "$x/$pkg/usr/lib/x86_64-linux-gnu/$soname"; do
        if [ -e "$file" ]; then
          cp -L "$file" "$rootfs/lib/x86_64-linux-gnu/$soname"
          found=$pkg
          break 2
        fi
      done
    done
    [ -n "$found" ] || die "no package in BASE_PACKAGES (${BASE_PACKAGES[*]}) provides $soname, which the jlink runtime needs: add its package (dpkg -S $soname)"
  done
  cp -L "$x/libc6/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$rootfs/lib/x86_64-linux-gnu/" \
    || die "libc6 holds no ld-linux-x86-64.so.2"
  ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$rootfs/lib64/ld-linux-x86-64.so.2"

  cp "$x/busybox-static/bin/busybox" "$rootfs/bin/busybox" || die "busybox-static holds no bin/busybox"
  for applet in "${APPLETS[@]}"; do
    ln -s busybox "$rootfs/bin/$applet"
  done
  cp -L "$x/base-files/etc/os-release" "$rootfs/etc/os-release" \
    || die "base-files holds no etc/os-release"
  cp "$x/base-files/etc/debian_version" "$rootfs/etc/debian_version" \
    || die "base-files holds no etc/debian_version"
  mkdir -p "$rootfs/usr/lib/locale"
  cp -R "$x/libc-bin/usr/lib/locale/C.utf8" "$rootfs/usr/lib/locale/C.utf8" \
    || die "libc-bin holds no usr/lib/locale/C.utf8"

  cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin
EOF
  cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
  cat >"$rootfs/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
  rm -rf "$x"
}

build_job() {
  CONTEXT="$WORK/context"
  local name version revision source java_runtime java_vendor digest folder
  read_pins
  pick_pinned_jdk
  if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null) \
      || die "SOURCE_DATE_EPOCH is not set and $REPO_ROOT is no git work tree to take the last commit's time from"
  fi
  [[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be seconds since the epoch: '$SOURCE_DATE_EPOCH'"
  export SOURCE_DATE_EPOCH
  version=$(sed -n '/<artifactId>fqdn-job<\/artifactId>/,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' \
    "$REPO_ROOT/pom.xml" | head -n 1)
  [ -n "$version" ] || die "cannot read the project's version from pom.xml"
  name=${tag:-fqdn-job:$version}
  save=${save:-$WORK/fqdn-job-$version.oci.tar}
  if [ -n "${FQDN_IMAGE_REVISION:-}" ]; then
    revision=$FQDN_IMAGE_REVISION
  else
    revision=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
    if [ "$revision" != unknown ] && [ -n "$(git -C "$REPO_ROOT" status --porcelain 2>/dev/null)" ]; then
      revision+=-dirty
    fi
  fi
  source=${FQDN_IMAGE_SOURCE:-$(git -C "$REPO_ROOT" remote get-url origin 2>/dev/null || echo unknown)}
  mkdir -p "$CONTEXT"
  rm -rf "$CONTEXT/rootfs" "$CONTEXT/aot-train.sh" "$WORK/digest"
  java_runtime=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$JAVA_HOME/release")
  java_vendor=$(sed -n 's/^IMPLEMENTOR="\(.*\)"/\1/p' "$JAVA_HOME/release")
  printf 'jdk\t%s\t%s\t%s\t%s\n' "$java_runtime" "$java_vendor" \
    "$(sed -n 's/^IMPLEMENTOR_VERSION="\(.*\)"/\1/p' "$JAVA_HOME/release")" \
    "$(sed -n 's/^SOURCE_REPO="\(.*\)"/\1/p' "$JAVA_HOME/release")" >"$WORK/record.tsv"

  stage_distribution
  stage_runtime
  stage_rootfs
  printf 'modules\t%s\n' "$(sed -n 's/^MODULES="\(.*\)"/\1/p' "$CONTEXT/jre/release")" >>"$WORK/record.tsv"
  # Nobody but root may change a file (the layers give every file owner and group 0).
  chmod -R go-w "$CONTEXT"
  chmod 1777 "$CONTEXT/rootfs/tmp"
  log "context: $(du -sm "$CONTEXT" | cut -f1) MB in $CONTEXT"

  local labels=(
    "org.opencontainers.image.version=$version"
    "org.opencontainers.image.revision=$revision"
    "org.opencontainers.image.source=$source"
    "org.opencontainers.image.created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
    "org.opencontainers.image.licenses=Apache-2.0"
  )
  local args=(--output "$save" --created "$SOURCE_DATE_EPOCH" --ref "$name" --config "$IMAGE_CONFIG"
    --layer "$CONTEXT/rootfs=/" --layer "$CONTEXT/jre=/opt/java" --layer "$CONTEXT/fqdn-job=/opt/fqdn-job"
    --label "io.fqdnjob.image.java=$java_vendor $java_runtime" --label "io.fqdnjob.image.base-packages=$BASE_RECORD")
  for folder in "${labels[@]}"; do
    args+=(--label "$folder" --annotation "$folder")
  done
  mkdir -p "$(dirname "$save")"
  digest=$(python3 "$OCI_IMAGE" "${args[@]}") || die "assembling the image failed (scripts/lib/oci-image.py)"
  echo "$digest" >"$WORK/digest"
  log "built $name: $digest, $(stat -c %s "$save") bytes ($(awk -v s="$(stat -c %s "$save")" 'BEGIN { printf "%.1f", s / 1e6 }') MB) in $save"
  log "load it with \`docker load -i $save\`, \`ctr -n k8s.io images import $save\`, or copy it to a registry with \`skopeo copy oci-archive:$save docker://REGISTRY/fqdn-job:$version\`"
}

cd "$REPO_ROOT"
# One build at a time per work tree: they share target/image.
mkdir -p "$WORK"
exec 9>"$WORK/lock"
if ! flock -n 9; then
  log "waiting for another scripts/image.sh of this work tree to finish"
  flock 9
fi
if [ $pause -eq 1 ]; then
  [ $package -eq 1 ] || usage
  build_pause
else
  build_job
fi
