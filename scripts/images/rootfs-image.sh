# shellcheck shell=bash
# Steps shared by Sonde's registry-free image builds: debootstrap a Debian root
# filesystem, add this machine's local CAs, slim it, and `docker import` it.
# Sourced (not run) by toolbox/build.sh and scripts/images/build-node-base.sh,
# which set IMAGE_LOG_TAG first. Needs bash; functions exit the script on error.

# The release every Sonde image is made from, and where its packages come from.
# Plain http on purpose: apt checks the Release signatures itself, and an http
# mirror works through proxies that would otherwise need their CA in the chroot.
readonly IMAGE_SUITE=bookworm
readonly IMAGE_MIRROR="${SONDE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
readonly IMAGE_SECURITY_MIRROR="${SONDE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

# Builds run unattended (CI has no stdin): every debconf question, in
# debootstrap's second stage or in apt inside the chroot, takes its default.
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true

image_log() { printf '[%s] %s\n' "${IMAGE_LOG_TAG:-image}" "$*"; }
image_die() {
  printf '[%s] error: %s\n' "${IMAGE_LOG_TAG:-image}" "$*" >&2
  exit 1
}

# Runs "$@" with its chatter sent to the build log; on failure shows the log's
# end, so a CI transcript says what broke without hundreds of "I: Unpacking" lines.
image_quiet() {
  if ! "$@" >>"$IMAGE_BUILD_LOG" 2>&1; then
    tail -n 40 "$IMAGE_BUILD_LOG" >&2
    image_die "'$1' failed; the whole log is $IMAGE_BUILD_LOG"
  fi
}

image_require_docker() {
  command -v docker >/dev/null 2>&1 ||
    image_die "the docker command is not installed (Debian: apt-get install -y docker.io)"
  docker info >/dev/null 2>&1 ||
    image_die "cannot reach the Docker engine ('docker info' failed): start dockerd, or set DOCKER_HOST"
}

# What the image would be built from, as a hash: an image carrying the same hash
# in its sonde.inputs label is current, so reruns skip, and a changed package
# list or script rebuilds instead of silently keeping an old image.
image_inputs_hash() {
  cat "$@" | sha256sum | cut -c1-16
}

# Exit 0 from the whole script when IMAGE is present and current (unless --force).
image_skip_if_current() {
  local image="$1" inputs="$2" force="$3" have
  if ! have="$(docker image inspect --format '{{ index .Config.Labels "sonde.inputs" }}' "$image" 2>/dev/null)"; then
    return 0
  fi
  if [[ "$force" == 1 ]]; then
    image_log "image $image present, rebuilding (--force)"
  elif [[ -z "$have" || "$have" == "<no value>" ]]; then
    # Not made by these scripts (say, a registry image retagged on purpose).
    image_log "image $image already present (not built here), skipping (--force replaces it)"
    exit 0
  elif [[ "$have" == "$inputs" ]]; then
    image_log "image $image already present, skipping (--force rebuilds)"
    exit 0
  else
    image_log "image $image was built from other inputs ($have, now $inputs), rebuilding"
  fi
}

image_require_build_tools() {
  [[ "$(id -u)" == 0 ]] ||
    image_die "must run as root: debootstrap creates device nodes and chroots (try: sudo $0)"
  command -v debootstrap >/dev/null 2>&1 ||
    image_die "debootstrap is not installed: apt-get install -y debootstrap"
}

# Creates the work directory (IMAGE_WORKDIR, with the rootfs in IMAGE_ROOTFS)
# and removes it on any exit. /var/tmp rather than the checkout: a root
# filesystem holds device nodes and setuid files that editors, file watchers
# and `docker build` contexts should never walk.
image_make_workdir() {
  local name="$1"
  IMAGE_WORKDIR="$(mktemp -d "/var/tmp/$name.XXXXXX")"
  IMAGE_ROOTFS="$IMAGE_WORKDIR/rootfs"
  IMAGE_BUILD_LOG="${TMPDIR:-/tmp}/$name-build.log"
  : >"$IMAGE_BUILD_LOG"
  trap image_remove_workdir EXIT
}

image_remove_workdir() {
  [[ -n "${IMAGE_WORKDIR:-}" && -d "$IMAGE_WORKDIR" ]] || return 0
  # A failed debootstrap can leave /proc or /sys mounted inside the rootfs;
  # unmount them (deepest first) so rm never walks into the host's /proc.
  local mounts
  mounts="$(awk -v root="$IMAGE_WORKDIR/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r)"
  if [[ -n "$mounts" ]]; then
    while IFS= read -r m; do umount -l "$m" || true; done <<<"$mounts"
  fi
  rm -rf --one-file-system "$IMAGE_WORKDIR"
}

# debootstrap a minbase rootfs with the comma-separated packages in $1.
image_debootstrap() {
  local include="$1" started=$SECONDS
  image_quiet debootstrap --variant=minbase --include="$include" \
    "$IMAGE_SUITE" "$IMAGE_ROOTFS" "$IMAGE_MIRROR"
  image_log "debootstrap done ($((SECONDS - started)) s)"
}

# debootstrap only reads the release itself; pull in bookworm-updates and the
# security archive so the image does not start with known-fixed CVEs (tshark
# and tcpdump parse untrusted traffic). The sources stay for apt in the image.
image_apply_updates() {
  local started=$SECONDS
  cat >"$IMAGE_ROOTFS/etc/apt/sources.list" <<EOF
deb $IMAGE_MIRROR $IMAGE_SUITE main
deb $IMAGE_MIRROR $IMAGE_SUITE-updates main
deb $IMAGE_SECURITY_MIRROR $IMAGE_SUITE-security main
EOF
  # No daemon may start inside the chroot while packages upgrade.
  printf '#!/bin/sh\nexit 101\n' >"$IMAGE_ROOTFS/usr/sbin/policy-rc.d"
  chmod 755 "$IMAGE_ROOTFS/usr/sbin/policy-rc.d"
  image_quiet chroot "$IMAGE_ROOTFS" apt-get update
  image_quiet chroot "$IMAGE_ROOTFS" apt-get -y -o Dpkg::Options::=--force-confold upgrade
  rm -f "$IMAGE_ROOTFS/usr/sbin/policy-rc.d"
  image_log "security and point-release updates applied ($((SECONDS - started)) s)"
}

# Trust in the image what this machine trusts beyond Debian's CA list (the
# certificates an administrator put in /usr/local/share/ca-certificates, e.g.
# for a TLS-inspecting proxy); otherwise npm or curl in a container would fail
# where the same command on the host works. Certificates are public; no keys.
image_add_local_cas() {
  local crts=(/usr/local/share/ca-certificates/*.crt)
  [[ -e "${crts[0]}" ]] || return 0
  [[ -x "$IMAGE_ROOTFS/usr/sbin/update-ca-certificates" ]] || return 0
  cp "${crts[@]}" "$IMAGE_ROOTFS/usr/local/share/ca-certificates/"
  image_quiet chroot "$IMAGE_ROOTFS" update-ca-certificates
  image_log "trusted ${#crts[@]} local CA certificate(s) from /usr/local/share/ca-certificates"
}

# Remove what a container never reads: package caches and lists, docs, man
# pages, translations. Copyright files stay (the licenses ask for them).
# A dpkg filter keeps later `apt-get install` in the image from adding docs back.
image_slim() {
  local r="$IMAGE_ROOTFS"
  cat >"$r/etc/dpkg/dpkg.cfg.d/sonde-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
  chroot "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/debconf/*-old
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/lintian
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$r"/tmp/* "$r"/var/tmp/* "$r"/var/log/apt/* "$r/var/log/bootstrap.log"
  find "$r/var/log" -type f -exec truncate -s 0 {} +
  # Docker bind-mounts its own resolv.conf, hosts and hostname; the builder's
  # copies must not leak into the image. A machine id must be unique per system.
  rm -f "$r/etc/resolv.conf"
  : >"$r/etc/hostname"
  : >"$r/etc/machine-id"
}

# Tar the rootfs into `docker import`; extra arguments are --change options.
# --xattrs keeps file capabilities (Debian gives ping cap_net_raw that way).
image_import() {
  local image="$1" started=$SECONDS previous
  shift
  previous="$(docker image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)"
  tar -C "$IMAGE_ROOTFS" --numeric-owner --xattrs --xattrs-include='security.capability' -c . |
    docker import "$@" - "$image" >/dev/null
  image_log "imported $image ($((SECONDS - started)) s, $(image_size "$image"))"
  # The image this one replaces would linger untagged (hundreds of MB per
  # rebuild). Docker refuses while a container or another tag still uses it.
  if [[ -n "$previous" ]]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
  fi
}

image_size() {
  docker image inspect --format '{{ .Size }}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}
