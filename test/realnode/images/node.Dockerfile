# node:26-bookworm-slim for the project's Dockerfile, without a registry: Debian bookworm plus the
# node binary of the `node` devDependency (the Node the tests run) and npm from the npm registry,
# laid out as the official image does (/usr/local/bin, /usr/local/lib/node_modules/npm).
FROM docker.io/library/debian:bookworm-slim
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
# Node 26's linux-x64 binary links libatomic.so.1, which minbase lacks.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
