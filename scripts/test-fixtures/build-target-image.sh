#!/usr/bin/env bash
# Builds `sonde-test-target:latest`, a tiny busybox image the tests use as the containers
# being debugged. No registry is reachable here, so it is made from Debian's busybox-static
# package. Idempotent: does nothing when the image exists (pass --force to rebuild).
set -euo pipefail

IMAGE="${SONDE_TEST_TARGET_IMAGE:-sonde-test-target:latest}"
if [[ "${1:-}" != "--force" ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "[test-target] $IMAGE already present, skipping"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "[test-target] fetching busybox-static from Debian"
(cd "$work" && apt-get download busybox-static >/dev/null)
dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,var/www}
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
# Every applet as a symlink, so `sh`, `sleep`, `httpd`, `nc` and `ip` exist.
for applet in $("$root/bin/busybox" --list-full); do
  [[ -e "$root/$applet" ]] || ln -s /bin/busybox "$root/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo 'hello from sonde-test-target' > "$root/var/www/index.html"
chmod 1777 "$root/tmp"
echo "[test-target] importing $IMAGE"
tar -C "$root" -c . | docker import \
  --change 'CMD ["/bin/sh", "-c", "httpd -f -p 80 -h /var/www"]' \
  --change 'LABEL org.opencontainers.image.title=sonde-test-target' \
  - "$IMAGE" >/dev/null
echo "[test-target] done: $IMAGE"
