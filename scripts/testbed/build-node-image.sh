#!/usr/bin/env bash
# Builds the node image of Sonde's Swarm testbed with no container registry:
# a debootstrap'd Debian bookworm plus docker.io, iptables and openssh-server (packages.txt) and
# the node's engine control script (node/sonde-testbed-dockerd), then `docker import`.
#
#   bash scripts/testbed/build-node-image.sh [--force | --print-image]
#
# The image is tagged sonde-testbed-node:<hash of its inputs> (this script, the
# shared rootfs steps, packages.txt and the control script), so a present tag
# means a current image and the build is skipped; --force rebuilds it.
# --print-image only prints that reference. Needs root, debootstrap, a Docker
# engine and the Debian mirror. About 1.5 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_LOG_TAG=testbed-node
# shellcheck source-path=SCRIPTDIR source=../images/rootfs-image.sh
source "$here/../images/rootfs-image.sh"

readonly REPOSITORY=sonde-testbed-node
readonly CONTROL_SCRIPT="$here/node/sonde-testbed-dockerd"

force=0
print_only=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --print-image) print_only=1 ;;
    -h | --help)
      sed -n '2,12s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) image_die "unknown argument '$arg' (usage: $0 [--force | --print-image])" ;;
  esac
done

inputs="$(image_inputs_hash "$here/build-node-image.sh" "$here/../images/rootfs-image.sh" \
  "$here/packages.txt" "$CONTROL_SCRIPT")"
readonly IMAGE="$REPOSITORY:$inputs"
if [[ "$print_only" == 1 ]]; then
  echo "$IMAGE"
  exit 0
fi

image_require_docker
# The tag is the input hash, so "present" is "current"; image_skip_if_current
# also reads the sonde.inputs label, which says the same.
image_skip_if_current "$IMAGE" "$inputs" "$force"
image_require_build_tools

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$')
started=$SECONDS
image_make_workdir sonde-testbed-node

image_log "debootstrap $IMAGE_SUITE with ${#packages[@]} packages (about a minute)"
image_debootstrap "$(IFS=,; echo "${packages[*]}")"
image_apply_updates
image_add_local_cas
install -m 0755 "$CONTROL_SCRIPT" "$IMAGE_ROOTFS/usr/local/bin/sonde-testbed-dockerd"
# openssh-server's postinst made host keys; every node would share them. The
# control script's `sshd` makes a node's own on first use.
rm -f "$IMAGE_ROOTFS"/etc/ssh/ssh_host_*
image_slim
image_log "rootfs ready: $(du -sh --one-file-system "$IMAGE_ROOTFS" | cut -f1)"

# /var/lib/docker is a tmpfs per node (docker run --tmpfs), so nothing of a
# node's engine outlives its container. CMD idles after starting the engine.
image_import "$IMAGE" \
  --change 'CMD ["/usr/local/bin/sonde-testbed-dockerd", "run"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL sonde.testbed=node sonde.inputs=$inputs org.opencontainers.image.title=sonde-testbed-node"

# Older node images (other inputs) would linger at a few hundred MB each; Docker
# refuses to remove one a node container still uses, which is then kept.
while IFS= read -r old; do
  [[ -n "$old" && "$old" != "$IMAGE" ]] || continue
  if docker image rm "$old" >/dev/null 2>&1; then image_log "removed the outdated $old"; fi
done < <(docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPOSITORY")

image_log "node image $IMAGE built in $((SECONDS - started)) s"
