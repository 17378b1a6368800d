# Health check for the cloudy-tasks example image, run by the exec-form
# HEALTHCHECK CMD ["/app/cloudy", "healthcheck"] (a scratch image has no /bin/sh).
# Healthy when the heartbeat written by service.sh (/app/logs/heartbeat, or
# /tmp/cloudy/heartbeat when /app/logs is read-only) is at most
# CLOUDY_HEARTBEAT_MAX_AGE seconds old (default 10) and /app/data is writable.
set -eu

BB=/app/busybox
MAX_AGE="${CLOUDY_HEARTBEAT_MAX_AGE:-10}"

fail() {
  echo "unhealthy: $*"
  exit 1
}

now="$("$BB" date +%s)"
age=""
for beat_file in /app/logs/heartbeat /tmp/cloudy/heartbeat; do
  [ -r "$beat_file" ] || continue
  read -r beat _ <"$beat_file" || continue
  case "$beat" in '' | *[!0-9]*) continue ;; esac
  a=$((now - beat))
  if [ -z "$age" ] || [ "$a" -lt "$age" ]; then age="$a"; fi
done
[ -n "$age" ] || fail "no heartbeat file"
[ "$age" -le "$MAX_AGE" ] || fail "heartbeat is ${age}s old (max ${MAX_AGE}s)"

probe="/app/data/.healthcheck.$$"
if ! (: >"$probe") 2>/dev/null; then
  fail "/app/data is not writable"
fi
"$BB" rm -f "$probe"

echo "healthy: heartbeat ${age}s old, /app/data writable"
