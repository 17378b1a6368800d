#!/usr/bin/env bash
# docker-engine-2.sh: a second, independent Docker engine on this machine, in its own network
# namespace, for tests that need more than one engine (a swarm worker, a fleet host).
#
# Why a network namespace: a second dockerd in the host namespace manages the same iptables
# chains and bridges as the first one (seen here: even with --bridge=none it deleted the first
# engine's docker0). In its own namespace it has its own docker0, its own iptables and its own
# addresses, and the first engine is never touched. `ip netns exec` fails here ("Devices cgroup
# isn't mounted": it remounts /sys), so the daemon is started with `nsenter --net=...`, which
# switches only the network namespace.
#
# Layout for instance N (CLOUDY_ENGINE_INDEX, default 2; name eN):
#   network namespace eN, veth cloudy-eNh (host, 10.213.N.1/24) <-> eth0 in eN (10.213.N.2/24,
#   default route via the host end), so each engine reaches the other's addresses directly
#   (no forwarding on the host, whose FORWARD policy the first engine sets to DROP);
#   dockerd with its own --data-root /var/lib/cloudy-engine-eN, --exec-root, --pidfile and
#   socket under /run/cloudy-engine-eN, its own managed containerd (namespace cloudy-eN),
#   cgroup parent cloudy-eN, bridge 172.30.N.1/24, swarm advertise address 10.213.N.2.
#   The engine starts with no images: `load IMAGE...` copies images from the first engine
#   (docker save | docker load: image ids are kept, so a deploy by image id works on both).
#
# Usage: scripts/docker-engine-2.sh start|stop|purge|status|host|load IMAGE...|forward PORT
#   start   start it (idempotent: a running, answering engine is reused); prints the
#           DOCKER_HOST value (unix:///run/cloudy-engine-eN/docker.sock) on stdout
#   stop    stop the relays and dockerd (bounded: SIGTERM, then SIGKILL after CLOUDY_ENGINE_WAIT s) and remove the
#           network namespace and the veth; images and volumes are kept in the data root
#   purge   stop, then delete the data root as well
#   status  exit 0 when the engine answers, 1 otherwise
#   host    print the DOCKER_HOST value
#   load    copy the named images from the first engine into this one
#   forward PORT  make 127.0.0.1:PORT inside the namespace reach 127.0.0.1:PORT of the host (a
#           local test registry), through two small TCP relays (node): one on the host end of the
#           veth, one inside the namespace. Docker trusts plain-HTTP registries on 127.0.0.0/8
#           only, so both engines can then push and pull the same 127.0.0.1:PORT/name@digest
# Environment: CLOUDY_ENGINE_INDEX (2..250, default 2), CLOUDY_ENGINE_WAIT (seconds, default 60).
# Needs root, iproute2 (ip), util-linux (nsenter) and dockerd. Output: status lines on stdout;
# on failure one "docker-engine-2: ERROR: ..." line on stderr and exit status 1.
set -euo pipefail

n="${CLOUDY_ENGINE_INDEX:-2}"
wait_s="${CLOUDY_ENGINE_WAIT:-60}"
case "$n" in '' | *[!0-9]*) n=0 ;; esac
name="e$n"
ns="$name"
veth_host="cloudy-${name}h"
veth_ns="cloudy-${name}n"
host_ip="10.213.$n.1"
ns_ip="10.213.$n.2"
state="/var/lib/cloudy-engine-$name"
run="/run/cloudy-engine-$name"
sock="$run/docker.sock"
pidfile="$run/dockerd.pid"
log="$state/dockerd.log"
host="unix://$sock"

die() {
  printf 'docker-engine-2: ERROR: %s\n' "$*" >&2
  exit 1
}

[ "$n" -ge 2 ] && [ "$n" -le 250 ] || die "CLOUDY_ENGINE_INDEX must be a number from 2 to 250 (got ${CLOUDY_ENGINE_INDEX:-})"

answers() {
  [ -S "$sock" ] && timeout 10 docker --host "$host" info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

# The pid of our dockerd (from its pidfile, checked against its command line), or nothing.
daemon_pid() {
  local pid
  [ -r "$pidfile" ] || return 0
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--data-root $state/data" && echo "$pid"
  return 0
}

need_root_tools() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces and dockerd need it)"
  local tool
  for tool in ip nsenter dockerd docker timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (apt-get install -y iproute2 util-linux docker.io)"
  done
}

# Network namespace + veth pair; each step is skipped when already done.
setup_network() {
  [ -e "/var/run/netns/$ns" ] || ip netns add "$ns" || die "ip netns add $ns failed"
  if ! ip link show "$veth_host" >/dev/null 2>&1; then
    # Refuse to shadow addresses the host already routes (another tool's network).
    if ip -4 route show | grep -qE "^10\.213\.$n\.0/24 "; then
      die "10.213.$n.0/24 is already routed on this host; pick another CLOUDY_ENGINE_INDEX"
    fi
    ip link add "$veth_host" type veth peer name "$veth_ns" || die "could not create the veth pair $veth_host"
    ip link set "$veth_ns" netns "$ns"
    ip addr add "$host_ip/24" dev "$veth_host"
    ip link set "$veth_host" up
  fi
  local in_ns=(nsenter "--net=/var/run/netns/$ns")
  if "${in_ns[@]}" ip link show "$veth_ns" >/dev/null 2>&1; then
    "${in_ns[@]}" ip link set "$veth_ns" name eth0
  fi
  "${in_ns[@]}" ip link set lo up
  "${in_ns[@]}" ip addr show dev eth0 | grep -qF "$ns_ip/24" || "${in_ns[@]}" ip addr add "$ns_ip/24" dev eth0
  "${in_ns[@]}" ip link set eth0 up
  "${in_ns[@]}" ip route replace default via "$host_ip" dev eth0
}

cmd_start() {
  need_root_tools
  if answers; then
    echo "$host"
    return 0
  fi
  setup_network
  mkdir -p "$state/data" "$run"
  chmod 0700 "$state" "$run"
  local pid
  pid="$(daemon_pid)"
  if [ -z "$pid" ]; then
    rm -f "$pidfile" "$sock"
    printf '\n=== %s docker-engine-2.sh starting dockerd (%s) ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$log"
    # setsid: its own session, so it survives this shell; every stream redirected so a caller
    # reading our stdout (spawnSync) does not wait for the daemon.
    setsid nsenter "--net=/var/run/netns/$ns" dockerd \
      --data-root "$state/data" \
      --exec-root "$run/exec" \
      --pidfile "$pidfile" \
      --host "$host" \
      --containerd-namespace "cloudy-$name" \
      --containerd-plugins-namespace "cloudy-$name-plugins" \
      --cgroup-parent "cloudy-$name" \
      --bip "172.30.$n.1/24" \
      --swarm-default-advertise-addr "$ns_ip" \
      </dev/null >>"$log" 2>&1 &
    pid="$!"
  fi
  local deadline=$(($(date +%s) + wait_s))
  until answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      die "dockerd ($name) exited during startup (log: $log; last line: $(grep -v '^$' "$log" | tail -n 1 | cut -c1-300))"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "dockerd ($name, pid $pid) did not answer within ${wait_s}s (log: $log)"
    sleep 0.5
  done
  echo "docker-engine-2: $name up (pid $pid, engine $(docker --host "$host" info --format '{{.ServerVersion}}'), address $ns_ip)" >&2
  echo "$host"
}

# TCP relay: listen on $1:$2, connect each client to $3:$4. Ends when its parent namespace goes.
relay_js='const net=require("net");const [,lh,lp,th,tp]=process.argv;net.createServer((c)=>{const u=net.connect(+tp,th);c.pipe(u).pipe(c);const end=()=>{c.destroy();u.destroy()};c.on("error",end);u.on("error",end)}).listen(+lp,lh)'

cmd_forward() {
  local port="${1:-}" node pid
  case "$port" in '' | *[!0-9]*) die "usage: $0 forward PORT" ;; esac
  answers || die "engine $name is not running (run: $0 start)"
  node="$(command -v node)" || die "node is not installed (the relays are small node scripts)"
  if [ -s "$run/forward-$port.pids" ]; then
    local alive=1
    for pid in $(cat "$run/forward-$port.pids"); do [ -d "/proc/$pid" ] || alive=0; done
    [ "$alive" = 1 ] && { echo "docker-engine-2: 127.0.0.1:$port already forwarded into $name"; return 0; }
    for pid in $(cat "$run/forward-$port.pids"); do kill "$pid" 2>/dev/null || true; done
  fi
  setsid "$node" -e "$relay_js" "$host_ip" "$port" 127.0.0.1 "$port" </dev/null >>"$log" 2>&1 &
  echo "$!" >"$run/forward-$port.pids"
  setsid nsenter "--net=/var/run/netns/$ns" "$node" -e "$relay_js" 127.0.0.1 "$port" "$host_ip" "$port" </dev/null >>"$log" 2>&1 &
  echo "$!" >>"$run/forward-$port.pids"
  # Ready when a connection through both relays reaches the host's port.
  local deadline=$(($(date +%s) + 10))
  until nsenter "--net=/var/run/netns/$ns" timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || die "the relay for port $port did not answer within 10s (log: $log)"
    sleep 0.2
  done
  echo "docker-engine-2: 127.0.0.1:$port in $name now reaches 127.0.0.1:$port of the host"
}

cmd_stop() {
  need_root_tools
  local pid _ f
  for f in "$run"/forward-*.pids; do
    [ -e "$f" ] || continue
    for pid in $(cat "$f"); do
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'net.createServer' && kill "$pid" 2>/dev/null || true
    done
    rm -f "$f"
  done
  pid="$(daemon_pid)"
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((wait_s * 5))); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "docker-engine-2: stopped dockerd $name (pid $pid)"
  else
    echo "docker-engine-2: dockerd $name was not running"
  fi
  # The namespace's own interfaces (and the veth's peer) go with it.
  ip link del "$veth_host" 2>/dev/null || true
  if [ -e "/var/run/netns/$ns" ]; then ip netns del "$ns" || die "ip netns del $ns failed"; fi
  rm -f "$sock" "$pidfile"
}

cmd_purge() {
  cmd_stop
  # Never delete through a mount the daemon left behind (a container's rootfs, a volume).
  local m
  for m in $(awk -v p="$state/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  if awk -v p="$state/" 'index($2, p) == 1 {found=1} END {exit !found}' /proc/mounts; then
    die "mounts remain under $state; not deleting it"
  fi
  rm -rf "$state" "$run"
  echo "docker-engine-2: purged $state"
}

cmd_load() {
  [ "$#" -gt 0 ] || die "usage: $0 load IMAGE..."
  answers || die "engine $name is not running (run: $0 start)"
  local image
  for image in "$@"; do
    case "$image" in -*) die "not an image name: $image" ;; esac
    docker image inspect "$image" >/dev/null 2>&1 || die "no image $image on the first engine"
    # Pipe status: a failed save must not look like a successful (empty) load.
    docker save -- "$image" | docker --host "$host" load -q >/dev/null || die "copying $image into $name failed"
    echo "docker-engine-2: loaded $image into $name"
  done
}

cmd="${1:-}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  purge) cmd_purge ;;
  status) answers ;;
  host) echo "$host" ;;
  load) cmd_load "$@" ;;
  forward) cmd_forward "$@" ;;
  *) echo "usage: $0 start|stop|purge|status|host|load IMAGE...|forward PORT" >&2; exit 2 ;;
esac
