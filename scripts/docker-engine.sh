#!/usr/bin/env bash
# docker-engine.sh: make a Docker engine available for cloudy-tasks' integration tests.
#
# Why this exists: CI runs on a fresh Debian 12 machine as root with no Docker
# installed and no init system that would start one, and there is no network
# except the Debian apt mirror. This script is the single idempotent step that
# gets `docker info` answering:
#   1. if `docker info` already works, do nothing (fast path);
#   2. else, as root on Debian, `apt-get install -y docker.io` (only when
#      dockerd is missing), start `dockerd` in the background (its own session,
#      log in $CLOUDY_DOCKERD_LOG) unless one is already starting, and
#   3. wait (bounded, $CLOUDY_DOCKER_WAIT seconds, default 60) for `docker info`.
# Output: one status line on stdout; on failure one "docker-engine: ERROR: ..."
# line on stderr and exit status 1.
#
# Environment: CLOUDY_DOCKERD_LOG (default /var/log/cloudy-dockerd.log),
#              CLOUDY_DOCKER_WAIT (default 60).
set -euo pipefail

log_file="${CLOUDY_DOCKERD_LOG:-/var/log/cloudy-dockerd.log}"
wait_s="${CLOUDY_DOCKER_WAIT:-60}"

die() {
  printf 'docker-engine: ERROR: %s\n' "$*" >&2
  exit 1
}

engine_version() {
  docker info --format '{{.ServerVersion}}' 2>/dev/null
}

engine_up() {
  command -v docker >/dev/null 2>&1 && [ -n "$(engine_version)" ]
}

if engine_up; then
  echo "docker-engine: already running (engine $(engine_version))"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "docker info fails and this is not root: cannot install or start dockerd (run as root, or fix access to /var/run/docker.sock)"

# 1. Install the engine when the daemon binary is missing.
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "dockerd is missing and apt-get is not available (this script supports Debian only)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq docker.io >/dev/null || die "apt-get install -y docker.io failed"
  # On a host with systemd the package starts the daemon itself.
  if engine_up; then
    echo "docker-engine: installed docker.io, engine $(engine_version) running"
    exit 0
  fi
fi

# 2. Start dockerd unless one is already running (for example still starting up).
dockerd_running() {
  local pid
  [ -r /var/run/docker.pid ] || return 1
  pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -qx 'dockerd' "/proc/$pid/comm" 2>/dev/null
}

started=""
if ! dockerd_running; then
  mkdir -p "$(dirname "$log_file")"
  printf '\n=== %s docker-engine.sh starting dockerd ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$log_file"
  # setsid: own session, so the daemon survives this shell and its process group;
  # all three standard streams are redirected so callers reading our stdout
  # (for example spawnSync) do not wait for the daemon to exit.
  setsid dockerd </dev/null >>"$log_file" 2>&1 &
  started="$!"
fi

# 3. Wait, bounded, until the API answers.
deadline=$(( $(date +%s) + wait_s ))
until engine_up; do
  if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then
    last="$(grep -v '^$' "$log_file" | tail -n 1 | cut -c1-300)"
    die "dockerd exited during startup (log: $log_file; last line: $last)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    last="$(grep -v '^$' "$log_file" 2>/dev/null | tail -n 1 | cut -c1-300 || true)"
    die "docker info did not answer within ${wait_s}s${started:+ (dockerd pid $started left running)} (log: $log_file; last line: ${last:-none})"
  fi
  sleep 0.5
done

if [ -n "$started" ]; then
  echo "docker-engine: started dockerd (pid $started, engine $(engine_version), log $log_file)"
else
  echo "docker-engine: dockerd was already starting; engine $(engine_version) is up"
fi
