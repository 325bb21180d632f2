#!/usr/bin/env bash
# Builds the Sonde toolbox image (bash plus the network tools in packages.txt)
# with no container registry: debootstrap Debian bookworm, then `docker import`.
#
#   bash toolbox/build.sh [--force]
#
# SONDE_TOOLBOX_IMAGE names the image (default sonde-toolbox:latest). Skips when
# that image exists and was built from the same inputs; --force rebuilds anyway.
# Needs root (debootstrap), debootstrap, a reachable Docker engine and the
# Debian mirror (SONDE_DEBIAN_MIRROR overrides it). About 4 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_LOG_TAG=toolbox
# shellcheck source-path=SCRIPTDIR source=../scripts/images/rootfs-image.sh
source "$here/../scripts/images/rootfs-image.sh"

readonly IMAGE="${SONDE_TOOLBOX_IMAGE:-sonde-toolbox:latest}"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help)
      sed -n '2,10s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) image_die "unknown argument '$arg' (usage: $0 [--force])" ;;
  esac
done

image_require_docker
inputs="$(image_inputs_hash "$here/packages.txt" "$here/shell/prompt.bash" "$here/shell/root.bashrc" \
  "$here/build.sh" "$here/../scripts/images/rootfs-image.sh")"
image_skip_if_current "$IMAGE" "$inputs" "$force"
image_require_build_tools

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$')
started=$SECONDS
image_make_workdir sonde-toolbox

image_log "debootstrap $IMAGE_SUITE with ${#packages[@]} packages into $IMAGE_ROOTFS (about 3 minutes)"
image_debootstrap "$(IFS=,; echo "${packages[*]}")"
image_apply_updates
image_add_local_cas

# The prompt and root's shell settings; Sonde starts toolboxes with `bash -i`,
# which reads both files.
cat "$here/shell/prompt.bash" >>"$IMAGE_ROOTFS/etc/bash.bashrc"
install -m 0644 "$here/shell/root.bashrc" "$IMAGE_ROOTFS/root/.bashrc"

image_slim
image_log "rootfs ready: $(du -sh --one-file-system "$IMAGE_ROOTFS" | cut -f1)"

# No ENTRYPOINT: Sonde sets its own command, and `docker run IMAGE CMD` should
# just run CMD. tini is installed for `--init`-less use: --entrypoint tini.
image_import "$IMAGE" \
  --change 'CMD ["/bin/bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV TERM=xterm-256color' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /root' \
  --change "LABEL sonde.toolbox=1 sonde.inputs=$inputs org.opencontainers.image.title=sonde-toolbox"

image_log "toolbox image $IMAGE built in $((SECONDS - started)) s"
