# CloudyMcCodeFace stand-in service for the cloudy-tasks example image.
# Runs as: /app/cloudy serve (= /app/busybox sh /app/service.sh; /app/busybox is
# a static busybox, a real image ships the Go binary as /app/cloudy instead).
#
# It loops forever, writing a heartbeat to /app/logs/heartbeat and a counter
# to /app/data/counter, and writes nowhere else, so it works with --read-only.
# If /app/logs is not writable (read-only root fs without a logs volume), the
# heartbeat goes to /tmp/cloudy/heartbeat instead (a --tmpfs /tmp works).
# /app/data must be writable: otherwise it stops with an error.
# CLOUDY_EXIT_AFTER=N (test variant Dockerfile.crashes): exit 1 after N heartbeats.
set -eu

BB=/app/busybox
DATA=/app/data
LOGS=/app/logs
INTERVAL="${CLOUDY_HEARTBEAT_INTERVAL:-1}"

# An UMASK environment variable does nothing by itself: the process must apply it.
umask "${UMASK:-077}"

running=1
trap 'running=0' TERM INT

uid="$("$BB" id -u)"
started="$("$BB" date +%s)"
if ! echo "$started pid=$$ uid=$uid version=${CLOUDY_VERSION:-unknown}" >>"$DATA/starts.log"; then
  echo "cloudy: FATAL: $DATA is not writable by uid $uid" >&2
  exit 1
fi
if ! (: >"$LOGS/.probe") 2>/dev/null; then
  echo "cloudy: warning: $LOGS is not writable, heartbeat goes to /tmp/cloudy" >&2
  LOGS=/tmp/cloudy
  if ! "$BB" mkdir -p "$LOGS" 2>/dev/null || ! (: >"$LOGS/.probe") 2>/dev/null; then
    echo "cloudy: FATAL: neither /app/logs nor /tmp is writable (mount a volume on /app/logs or a tmpfs on /tmp)" >&2
    exit 1
  fi
else
  "$BB" rm -f "$LOGS/.probe"
fi
echo "cloudy: started at $started as uid $uid (heartbeat in $LOGS)"

self="$("$BB" hostname)-$$"
n=0
while [ "$running" = 1 ]; do
  n=$((n + 1))
  # A temporary file per instance: during a start-first update the old and the new instance share
  # the volume for a moment, and one shared name made the loser's mv fail. Not `$$`: each runs as
  # pid 1 of its own container; the hostname (the container id) differs.
  echo "$("$BB" date +%s) $n" >"$LOGS/.heartbeat.$self.tmp"
  "$BB" mv -f "$LOGS/.heartbeat.$self.tmp" "$LOGS/heartbeat"
  echo "$n" >"$DATA/counter"
  # Failure-test knob (Dockerfile.crashes): crash after N heartbeats, once healthy.
  if [ -n "${CLOUDY_EXIT_AFTER:-}" ] && [ "$n" -ge "$CLOUDY_EXIT_AFTER" ]; then
    echo "cloudy: FATAL: exiting after $n heartbeats (CLOUDY_EXIT_AFTER=$CLOUDY_EXIT_AFTER)" >&2
    exit 1
  fi
  # Background sleep + wait, so that SIGTERM (docker stop) is handled at once.
  "$BB" sleep "$INTERVAL" &
  wait $! || true
done
echo "cloudy: stopping after $n heartbeats"
