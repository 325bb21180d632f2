# The Sonde console: the server, the web client it serves (built with the API client
# package, client/), and the shared schemas.
#
#   docker build -t sonde:latest .
#   docker run -d -p 127.0.0.1:8080:8080 -v /var/run/docker.sock:/var/run/docker.sock \
#     --group-add "$(stat -c %g /var/run/docker.sock)" sonde:latest
#
# BASE_IMAGE is any Debian bookworm image with Node.js 20, its C++ headers
# (include/node beside bin/node) and npm on PATH. With no registry (as in CI),
# build scripts/images/build-node-base.sh first and pass
# --build-arg BASE_IMAGE=sonde-node-base:20. Works with the legacy builder and
# BuildKit alike (Debian's docker.io 20.10 has no buildx). The deps stage
# installs a compiler from Debian's mirror (apt), so the build needs that mirror.
ARG BASE_IMAGE=node:20-bookworm-slim

# ---- build: every workspace with its dev dependencies, then `npm run build` ----
FROM ${BASE_IMAGE} AS build
WORKDIR /app
# Manifests first, so source edits do not redo `npm ci`. npm ci checks the lock
# against every workspace named in package.json, so all five manifests are needed.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY client/package.json client/
COPY server/package.json server/
COPY web/package.json web/
COPY e2e/package.json e2e/
# --ignore-scripts: building needs no install script (npm 11 blocks them by
# default; this makes npm 10 in node:20 images do the same). Without them ssh2
# (docker-modem's transport for ssh:// engines only) uses its pure JavaScript
# code instead of optional native parts, and better-sqlite3 stays uncompiled
# here: tsc and vite never load it (the deps stage compiles the one that runs).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY shared/ shared/
COPY client/ client/
COPY server/ server/
COPY web/ web/
RUN npm run build

# ---- deps: production dependencies of server, shared and client (the `sonde` CLI) ----
# A fresh install rather than `npm prune`: it leaves out the web client's
# packages too (the client ships as built files) and all dev tooling. npm links
# the two workspaces as node_modules/@sonde/{server,shared} -> ../../{server,shared}.
FROM ${BASE_IMAGE} AS deps
# better-sqlite3 (the console's database) is a native addon, compiled from
# source here against this image's own Node.js: no prebuilt binary is
# downloaded. node-gyp needs Python, make and a C++ compiler, in this stage
# only: the runtime image copies node_modules and never has a compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY client/package.json client/
COPY server/package.json server/
COPY web/package.json web/
COPY e2e/package.json e2e/
# Install scripts stay off (see the build stage). better-sqlite3 is compiled
# with its own build-release script (node-gyp, which npm bundles) rather than
# its install script, whose prebuild-install step would try to download a
# binary first. node-gyp uses the headers beside the node binary when the image
# has them (else it fetches those of this Node.js release). Then only the addon
# is kept (its SQLite sources and objects are about 25 MB), and it must load
# and answer a query, or the build fails here.
RUN npm ci --omit=dev --workspace server --workspace shared --workspace client --ignore-scripts --no-audit --no-fund \
 && node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" \
 && if [ -f "$node_prefix/include/node/node_version.h" ]; then export npm_config_nodedir="$node_prefix"; fi \
 && cd node_modules/better-sqlite3 \
 && npm run build-release \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/ \
 && cd /app \
 && node -e "const db = new (require('better-sqlite3'))(':memory:'); if (db.prepare('select 1 as one').get().one !== 1) process.exit(1)"

# ---- runtime ----
FROM ${BASE_IMAGE}
# The console runs as an unprivileged user. It still needs the Docker socket,
# which belongs to root and the host's docker group: add that group id at run
# time (compose: group_add with DOCKER_GID; docker run: --group-add). Whoever
# holds the socket can control the host, so non-root here limits what a bug in
# the console can do to this container, not to the engine.
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /data \
      --shell /usr/sbin/nologin sonde \
 && mkdir -p /data \
 && chown sonde:sonde /data
WORKDIR /app
# Code stays root-owned and read-only to the console; only /data is its own.
# The same layout as the repository, so server/dist finds ../../web/dist and
# node_modules/@sonde/shared finds shared/dist.
COPY --from=deps /app/ ./
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/web/dist web/dist
COPY --from=build /app/client/dist client/dist
# `sonde` on PATH, for the user bootstrap inside the container:
#   docker compose exec -T sonde sonde user create alice --role admin   (password on stdin)
RUN ln -s /app/client/dist/cli/main.js /usr/local/bin/sonde

ENV NODE_ENV=production \
    SONDE_HOST=0.0.0.0 \
    SONDE_PORT=8080 \
    SONDE_DATA_DIR=/data
EXPOSE 8080
# Also on every container made from this image: lets a console tell itself
# apart from the containers it lists.
LABEL sonde.console=true org.opencontainers.image.title=sonde
USER 10001:10001
# The health check runs inside the container, where 127.0.0.1 is always an
# allowed host; fetch is built into Node.js 20, so no curl is needed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SONDE_PORT || 8080) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server/dist/server.js"]
