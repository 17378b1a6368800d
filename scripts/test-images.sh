#!/usr/bin/env bash
# test-images.sh: build the local base images the integration tests and the
# example app need, without any registry.
#
# Why this exists: tests and CI have no access to Docker Hub (only the Debian
# apt mirror and npm), so `FROM busybox` / `FROM golang:...` cannot be pulled.
# Instead we assemble a tiny root filesystem from Debian's busybox-static
# package and `docker import` it:
#
#   cloudy-local/busybox:1   /bin/busybox + applet symlinks (busybox --install -s),
#                            /tmp (1777), /etc/passwd + /etc/group with root and
#                            uid/gid 1001 "cloudy", PATH set, CMD ["/bin/sh"].
#
# Idempotent: if the image already exists nothing is done, unless --force.
# Concurrent runs are serialised with flock. Needs a running engine
# (scripts/docker-engine.sh) and root for apt-get/chroot.
#
# Usage: scripts/test-images.sh [--force]
set -euo pipefail

image="cloudy-local/busybox:1"
force=""
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "test-images: ERROR: unknown argument: $arg (usage: $0 [--force])" >&2; exit 2 ;;
  esac
done

die() {
  printf 'test-images: ERROR: %s\n' "$*" >&2
  exit 1
}

docker info >/dev/null 2>&1 || die "docker info fails: start an engine first with scripts/docker-engine.sh"

# Serialise parallel callers (several test files may call this at once).
lock="${TMPDIR:-/tmp}/cloudy-test-images.lock"
exec 9>"$lock"
flock -w 300 9 || die "could not get the lock $lock within 300s"

if [ -z "$force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "test-images: $image already present ($(docker image inspect -f '{{.Id}}' "$image" | cut -c8-19))"
  exit 0
fi

# A static busybox from Debian (the dynamic `busybox` package would not run in scratch).
if ! dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  [ "$(id -u)" -eq 0 ] || die "busybox-static is not installed and this is not root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq busybox-static >/dev/null || die "apt-get install -y busybox-static failed"
fi
bb="$(dpkg -L busybox-static | grep -E '/bin/busybox$' | head -n 1)"
if [ -z "$bb" ] || [ ! -x "$bb" ]; then
  bb="$(command -v busybox || true)"
fi
if [ -z "$bb" ] || [ ! -x "$bb" ]; then
  die "cannot find the busybox binary of busybox-static"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudy-rootfs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/root"
mkdir -m 1777 "$root/tmp"
install -m 0755 "$bb" "$root/bin/busybox"
# Run --install inside the rootfs so the symlinks point at /bin/busybox.
chroot "$root" /bin/busybox --install -s
[ -L "$root/bin/sh" ] || die "busybox --install -s did not create /bin/sh"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
cloudy:x:1001:1001:cloudy:/app:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
cloudy:x:1001:
nogroup:x:65534:
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group"

tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . |
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/sh"]' \
    -m "cloudy-tasks test base: busybox-static $(dpkg-query -W -f '${Version}' busybox-static)" \
    - "$image" >/dev/null || die "docker import of $image failed"

echo "test-images: built $image ($(docker image inspect -f '{{.Id}}' "$image" | cut -c8-19))"
