#!/usr/bin/env bash
# Makes a Debian machine ready for Sonde's tests: the Debian packages they use, a running
# Docker engine, and (with --images) the images built from Debian packages. The one list of
# what the tests need: .ci/run calls it as root on a bare Debian 12, and `npm test` calls it
# first on any machine.
#
#   bash scripts/provision.sh [--images]
#
# As root it installs what is missing (apt-get) and starts dockerd if nothing answers. As
# anyone else it changes nothing: it names exactly what is missing, with the apt-get line to
# run, and exits 1 (0 when nothing is missing). Each step says what it does in a "==> " line
# and skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

images=0
for arg in "$@"; do
  case "$arg" in
    --images) images=1 ;;
    -h | --help)
      sed -n '2,12s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      printf 'provision: unknown argument %s (usage: %s [--images])\n' "$arg" "$0" >&2
      exit 2
      ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'provision: error: %s\n' "$*" >&2
  exit 1
}

# Nothing may ask a question (CI has no stdin). needrestart (recommended by docker.io) would
# otherwise offer to restart services after apt runs.
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1

root=0
[[ "$(id -u)" == 0 ]] && root=1

step "Debian packages"
# docker.io: the engine the console drives; debootstrap: builds images with no registry;
# chromium: end-to-end tests; docker-compose: the compose file's test; asciinema: reading
# recordings; iproute2: test networks in namespaces; tshark: reading captures; util-linux:
# `script`, the pty the CLI's shell test runs in; python3, make, g++: npm ci compiles
# better-sqlite3 (no prebuilt binary can be downloaded here); prometheus: its promtool checks
# GET /metrics (server/test/metrics.test.ts; no Prometheus server is started); docker-registry:
# a registry on loopback the toolbox image pull test pushes to and pulls from
# (server/test/toolbox-pull.test.ts starts its own; the packaged service is not used).
packages=(docker.io debootstrap chromium docker-compose asciinema iproute2 ca-certificates tshark util-linux python3 make g++ prometheus docker-registry)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || missing+=("$p")
  done
else
  # Not Debian: check the commands the packages provide instead.
  for c in docker debootstrap chromium docker-compose asciinema ip tshark script python3 make g++ promtool docker-registry; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
fi
if ((${#missing[@]} == 0)); then
  echo "all present: ${packages[*]}"
elif ((root)) && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}"
  node_exporter_before="$(dpkg-query -W -f='${db:Status-Status}' prometheus-node-exporter 2>/dev/null || true)"
  apt-get update -qq
  # Recommends included: docker.io's cgroupfs-mount is needed where no systemd mounts
  # cgroups, and chromium's fonts keep screenshots legible.
  apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}"
  # prometheus is here for promtool only, but on a systemd machine its package enables and
  # starts a Prometheus server (:9090), and its recommended prometheus-node-exporter (:9100)
  # too. Stop and disable both when this run installed them; a server someone had is left alone.
  if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
    for unit in prometheus prometheus-node-exporter; do
      [[ "$unit" == prometheus || "$node_exporter_before" != installed ]] || continue
      systemctl disable --now --quiet "$unit.service" 2>/dev/null || true
    done
  fi
  # docker-registry likewise starts a registry on :5000 (with htpasswd auth) on a systemd
  # machine; the test runs its own on a free loopback port. Stop and disable the packaged one
  # when this run installed it.
  if [[ " ${missing[*]} " == *" docker-registry "* && -d /run/systemd/system ]]; then
    systemctl disable --now --quiet docker-registry.service 2>/dev/null || true
  fi
else
  printf 'missing: %s\n' "${missing[*]}" >&2
  die "the tests need these; install them as root: sudo apt-get install -y ${missing[*]}"
fi

step "Docker engine"
if docker info >/dev/null 2>&1; then
  echo "already running"
elif ((!root)); then
  die "no Docker engine answers (docker info failed): start dockerd, and add this user to the socket's group (sudo usermod -aG docker $(id -un)), then log in again"
else
  # No systemd here to start it. dockerd on cgroup v1 needs the hierarchy mounted, which
  # Debian's init script would otherwise do.
  if ! mountpoint -q /sys/fs/cgroup && command -v cgroupfs-mount >/dev/null 2>&1; then
    cgroupfs-mount
  fi
  echo "starting dockerd (log: /tmp/sonde-ci-dockerd.log)"
  dockerd </dev/null >>/tmp/sonde-ci-dockerd.log 2>&1 &
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    tail -n 30 /tmp/sonde-ci-dockerd.log >&2
    die "dockerd did not answer within 60 s"
  }
fi
# PATH may hold a newer docker client (/usr/local/bin) before Debian's (/usr/bin); both must
# talk to this engine, the newer one by negotiating the engine's older API version. Show
# which is which in the log.
for client in docker /usr/bin/docker; do
  if command -v "$client" >/dev/null 2>&1; then
    "$client" version --format "$(command -v "$client"): client {{.Client.Version}}, engine {{.Server.Version}} (API {{.Server.APIVersion}})" ||
      die "$client cannot talk to the engine"
  fi
done

((images)) || exit 0

step "toolbox image (${SONDE_TOOLBOX_IMAGE:-sonde-toolbox:latest})"
bash toolbox/build.sh

step "Swarm testbed node image (scripts/testbed)"
# Tagged by the hash of its inputs, so this is a few seconds when nothing changed and about
# 2 minutes otherwise; the Swarm tests bring up their two nodes from it (server/test/swarm-testbed.test.ts).
bash scripts/testbed/build-node-image.sh

step "Node.js base image (${SONDE_BASE_IMAGE:-sonde-node-base:20})"
SONDE_NODE_BASE_IMAGE="${SONDE_BASE_IMAGE:-sonde-node-base:20}" bash scripts/images/build-node-base.sh
