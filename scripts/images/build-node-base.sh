#!/usr/bin/env bash
# Builds sonde-node-base:20, a stand-in for node:20-bookworm-slim made without a
# container registry: a debootstrap'd Debian bookworm plus this machine's own
# Node.js, its C++ headers and npm. The console's Dockerfile builds FROM it in CI
# (--build-arg BASE_IMAGE=sonde-node-base:20).
#
#   bash scripts/images/build-node-base.sh [--force]
#
# SONDE_NODE_BASE_IMAGE names the image (default sonde-node-base:20). Skips when
# that image exists and holds the same Node.js and npm; --force rebuilds anyway.
# Needs root, debootstrap, a Docker engine and the Debian mirror. About 2 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_LOG_TAG=node-base
# shellcheck source-path=SCRIPTDIR source=rootfs-image.sh
source "$here/rootfs-image.sh"

readonly IMAGE="${SONDE_NODE_BASE_IMAGE:-sonde-node-base:20}"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help)
      sed -n '2,11s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) image_die "unknown argument '$arg' (usage: $0 [--force])" ;;
  esac
done

# The Node.js this machine runs, and the npm that goes with it.
command -v node >/dev/null 2>&1 || image_die "node is not installed on this machine"
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$node_bin")/../lib/node_modules/npm"
[[ -f "$npm_dir/bin/npm-cli.js" ]] || image_die "npm not found at $npm_dir (expected beside $node_bin)"
npm_dir="$(readlink -f "$npm_dir")"
node_version="$("$node_bin" --version)"
npm_version="$("$node_bin" "$npm_dir/bin/npm-cli.js" --version)"
# Node's C++ headers: node-gyp compiles native addons (better-sqlite3, in the
# Dockerfile's deps stage) against them instead of downloading them.
node_headers="$(dirname "$node_bin")/../include/node"
[[ -f "$node_headers/node_version.h" ]] ||
  image_die "Node.js headers not found at $node_headers (NodeSource's and Debian's nodejs packages and the official tarballs ship them)"
node_headers="$(readlink -f "$node_headers")"
[[ "$node_version" == v20.* ]] ||
  image_die "this machine runs Node.js $node_version; $IMAGE must hold Node.js 20 (the version the console targets)"

image_require_docker
inputs="$(printf 'node %s npm %s\n' "$node_version" "$npm_version" |
  image_inputs_hash - "$here/build-node-base.sh" "$here/rootfs-image.sh")"
image_skip_if_current "$IMAGE" "$inputs" "$force"
image_require_build_tools

started=$SECONDS
image_make_workdir sonde-node-base

# The node binary links only glibc, libstdc++ and libgcc_s (see `ldd $(which
# node)`); minbase has glibc and libgcc-s1, so libstdc++6 is the one to add.
image_log "debootstrap $IMAGE_SUITE with Node.js $node_version, npm $npm_version (about 2 minutes)"
image_debootstrap ca-certificates,libstdc++6
image_apply_updates
image_add_local_cas

install -m 0755 "$node_bin" "$IMAGE_ROOTFS/usr/bin/node"
mkdir -p "$IMAGE_ROOTFS/usr/lib/node_modules"
cp -a "$npm_dir" "$IMAGE_ROOTFS/usr/lib/node_modules/npm"
# The same links Debian's and NodeSource's nodejs packages install.
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$IMAGE_ROOTFS/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$IMAGE_ROOTFS/usr/bin/npx"

# Where node-gyp looks beside /usr/bin/node (nodedir /usr), as node:20-bookworm-slim
# keeps them beside /usr/local/bin/node. OpenSSL's per-platform configurations
# stay for this machine's platform only: the others are 50 MB no build here reads.
mkdir -p "$IMAGE_ROOTFS/usr/include"
cp -a "$node_headers" "$IMAGE_ROOTFS/usr/include/node"
case "$(uname -m)" in
  x86_64) openssl_platform=linux-x86_64 ;;
  aarch64) openssl_platform=linux-aarch64 ;;
  *) openssl_platform="" ;;
esac
openssl_archs="$IMAGE_ROOTFS/usr/include/node/openssl/archs"
if [[ -n "$openssl_platform" && -d "$openssl_archs/$openssl_platform" ]]; then
  find "$openssl_archs" -mindepth 1 -maxdepth 1 -not -name "$openssl_platform" -exec rm -rf {} +
fi

# Proof that the copied binary finds every library it needs in the new rootfs.
chroot "$IMAGE_ROOTFS" /usr/bin/node --version >/dev/null ||
  image_die "the copied node does not start in the rootfs (a shared library missing? compare: ldd $node_bin)"

image_slim

# NODE_EXTRA_CA_CERTS: Node.js trusts only its built-in CA list, not the
# system store; pointing it at the store lets npm and the console trust the
# local CAs added above, as npm's cafile setting does on this machine.
image_import "$IMAGE" \
  --change 'CMD ["node"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL sonde.node-base=1 sonde.inputs=$inputs org.opencontainers.image.title=sonde-node-base"

image_log "node base image $IMAGE built in $((SECONDS - started)) s"
