#!/usr/bin/env bash
# A private Docker daemon for scripts/image.sh: Debian's dockerd 20.10 (package docker.io) with a
# containerd of its own, beside any Docker or containerd of the machine (a Kubernetes node's
# containerd, say). They share nothing but the folder of the containerd shims' sockets,
# /run/containerd/s, where each socket is named by a hash of its containerd's socket path.
#
# Usage: scripts/lib/dockerd.sh start|stop|status|host
#   start   start containerd and dockerd unless they run already (installs docker.io with apt-get
#           when dockerd is missing); returns once the daemon answers
#   stop    stop dockerd, then containerd (SIGTERM, SIGKILL after a grace period), and unmount
#           whatever they left mounted under their folders
#   status  exit 0 when the daemon runs and answers, 1 otherwise
#   host    print the DOCKER_HOST value of the daemon (unix://...)
#
# Folders: state (images, layers, build cache, logs) in $FQDN_CACHE_DIR/docker, by default
# ~/.cache/fqdn-job/docker; sockets, pid files and the runtime state in $FQDN_DOCKERD_RUN_DIR,
# by default /run/fqdn-job-docker. Needs root.
#
# The daemon never touches the host's network: no iptables rules, no IP forwarding or
# masquerading and no bridge (--bridge=none), so containers get the `none` or `host` network
# only; image.sh builds and runs with --network=none. Its oom_score_adj is 0, like any process
# (dockerd's default, -500, would protect it over a node's workloads; some sandboxes refuse
# negative values anyway). Containers go into the cgroup fqdn-job-docker.
set -euo pipefail
set +m # setsid must run the daemons in place, so that $! is their pid

CACHE_ROOT="${FQDN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fqdn-job}"
STATE="$CACHE_ROOT/docker"
RUN="${FQDN_DOCKERD_RUN_DIR:-/run/fqdn-job-docker}"
SOCKET="$RUN/docker.sock"
CONTAINERD_SOCKET="$RUN/containerd/containerd.sock"
GRACE_SECONDS=${FQDN_DOCKERD_GRACE_SECONDS:-30}
# Debian's client, which matches the daemon; another docker on PATH may be newer.
DOCKER=/usr/bin/docker

log() { printf 'dockerd: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '7,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

# Prints the pid recorded in $1 when that process still runs.
live_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

answers() {
  DOCKER_CONFIG="$STATE/client" "$DOCKER" -H "unix://$SOCKET" version >/dev/null 2>&1
}

ensure_installed() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x "$DOCKER" ] || missing+=(docker.io)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} with apt-get (dockerd, containerd and runc of Debian)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    apt-get update >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
      || die "could not install ${missing[*]} with apt-get"
  fi
  # The package's own service would start a second daemon on /var/run/docker.sock; leave that to
  # the machine's owner, but say so.
  log "note: the docker.io package may also have started the system's Docker service"
}

write_configs() {
  mkdir -p "$STATE/data" "$STATE/containerd/root" "$STATE/containerd/opt" "$STATE/logs" \
    "$STATE/client" "$RUN/containerd" "$RUN/exec"
  chmod 0700 "$RUN" "$STATE/data" "$STATE/containerd"
  # No cri plugin (this containerd is no Kubernetes runtime), no debug or metrics listener, and
  # every path of its own; only the shims' sockets go to /run/containerd/s, under names hashed
  # from this containerd's socket path.
  cat >"$STATE/containerd.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$RUN/containerd/state"
oom_score = 0
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CONTAINERD_SOCKET"

[ttrpc]
  address = "$CONTAINERD_SOCKET.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
EOF
  # Nothing from /etc/docker/daemon.json applies; the daemon's identity key goes to the state
  # folder rather than /etc/docker/key.json (20.10 has no command-line flag for it).
  printf '{"deprecated-key-path": "%s"}\n' "$STATE/key.json" >"$STATE/daemon.json"
  # The client's configuration (no credential helpers, no contexts of the machine's user).
  [ -f "$STATE/client/config.json" ] || echo '{}' >"$STATE/client/config.json"
}

# wait_for PID CHECK: until CHECK succeeds, for 60 s at most and while PID runs.
wait_for() {
  local pid=$1 check=$2 deadline=$((SECONDS + 60))
  until $check; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

containerd_answers() {
  ctr --address "$CONTAINERD_SOCKET" version >/dev/null 2>&1
}

start() {
  [ "$(id -u)" -eq 0 ] || die "needs root (dockerd does): run it as root or with sudo"
  if live_pid "$RUN/dockerd.pid" >/dev/null && answers; then
    log "already running (unix://$SOCKET)"
    return 0
  fi
  ensure_installed
  write_configs
  local pid
  if ! live_pid "$RUN/containerd.pid" >/dev/null || ! containerd_answers; then
    stop_pid containerd "$RUN/containerd.pid"
    rm -f "$CONTAINERD_SOCKET" "$CONTAINERD_SOCKET.ttrpc"
    setsid containerd --config "$STATE/containerd.toml" </dev/null >>"$STATE/logs/containerd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$RUN/containerd.pid"
    wait_for "$pid" containerd_answers \
      || die "containerd did not start; see $STATE/logs/containerd.log: $(tail -n 5 "$STATE/logs/containerd.log")"
  fi
  stop_pid dockerd "$RUN/dockerd.pid"
  rm -f "$SOCKET"
  setsid dockerd \
    --config-file "$STATE/daemon.json" \
    --data-root "$STATE/data" \
    --exec-root "$RUN/exec" \
    --pidfile "$RUN/dockerd.pid" \
    --host "unix://$SOCKET" \
    --containerd "$CONTAINERD_SOCKET" \
    --containerd-namespace fqdn-job \
    --containerd-plugins-namespace fqdn-job-plugins \
    --storage-driver overlay2 \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none --userland-proxy=false \
    --cgroup-parent fqdn-job-docker \
    --oom-score-adjust 0 \
    </dev/null >>"$STATE/logs/dockerd.log" 2>&1 &
  pid=$!
  wait_for "$pid" answers \
    || die "dockerd did not start; see $STATE/logs/dockerd.log: $(tail -n 5 "$STATE/logs/dockerd.log")"
  # dockerd writes its pid file itself; write it in case it has not yet.
  echo "$pid" >"$RUN/dockerd.pid"
  log "running (unix://$SOCKET, state in $STATE)"
}

# stop_pid NAME PIDFILE: SIGTERM, then SIGKILL after GRACE_SECONDS.
stop_pid() {
  local name=$1 file=$2 pid deadline
  pid=$(live_pid "$file") || {
    rm -f "$file"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + GRACE_SECONDS))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name ($pid) still runs after ${GRACE_SECONDS}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$file"
}

stop() {
  local running=0 mount
  live_pid "$RUN/dockerd.pid" >/dev/null && running=1
  live_pid "$RUN/containerd.pid" >/dev/null && running=1
  stop_pid dockerd "$RUN/dockerd.pid"
  stop_pid containerd "$RUN/containerd.pid"
  # Mounts left behind (a killed daemon leaves its overlay and netns mounts), deepest first.
  while read -r mount; do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || log "could not unmount $mount"
  done < <(awk -v a="$STATE/" -v b="$RUN/" \
    'index($2 "/", a) == 1 || index($2 "/", b) == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -f "$SOCKET" "$CONTAINERD_SOCKET" "$CONTAINERD_SOCKET.ttrpc"
  [ $running -eq 1 ] && log "stopped"
  return 0
}

status() {
  live_pid "$RUN/dockerd.pid" >/dev/null && answers
}

[ $# -eq 1 ] || usage
case $1 in
  start) start ;;
  stop) stop ;;
  status) status ;;
  host) echo "unix://$SOCKET" ;;
  *) usage ;;
esac
