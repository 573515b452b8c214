# syntax=docker/dockerfile:1
# Build stage: the same steps as the test command's build (npm ci runs `prepare`,
# which is `tsc -p tsconfig.build.json`, then `npm run bundle` makes the one-file
# sidecar, scripts/bundle.ts), so image and tests cannot drift.
# Node 26, the major of the `node` devDependency the tests run on (package.json).
FROM node:26-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY agent ./agent
# main.ts loads sim/ for the `local` and `apiserver` commands, so tsc compiles it too.
COPY sim ./sim
COPY scripts/bundle.ts scripts/sidecar-launch.ts scripts/warm-compile-cache.mjs ./scripts/
RUN npm ci && npm run bundle

# Runtime dependencies only, without install scripts.
FROM node:26-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:26-bookworm-slim
ENV NODE_ENV=production
# SIDECAR_ENV in scripts/sidecar-launch.ts: glibc's heap trim threshold fixed at its default, and
# Node's compile cache, filled below (test/cli/bundle.test.ts checks both).
ENV MALLOC_TRIM_THRESHOLD_=131072
ENV NODE_COMPILE_CACHE=dist/compile-cache
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The sidecar: one esbuild bundle (dist/vnf-agent.mjs) and its chunks, which load none of node_modules.
COPY --from=build /src/dist/vnf-agent.mjs ./dist/vnf-agent.mjs
COPY --from=build /src/dist/vnf-agent-chunks ./dist/vnf-agent-chunks
# The tsc build stays for `local` and `apiserver`: the bundle imports dist/sim only for them.
COPY --from=build /src/dist/agent ./dist/agent
COPY --from=build /src/dist/sim ./dist/sim
COPY --from=build /src/sim/dashboard ./sim/dashboard
# k8s.io/api's .proto files: the stand-in decodes kubectl's protobuf bodies with them (tsc copies no .proto).
COPY --from=build /src/sim/apiserver/proto ./sim/apiserver/proto
COPY package.json ./
COPY charts/vnf-agent/crds ./charts/vnf-agent/crds
COPY scripts/warm-compile-cache.mjs ./scripts/
RUN mkdir dist/compile-cache && chown 65532:65532 dist/compile-cache
# The chart runs the container as this user with a read-only root filesystem:
# nothing below writes outside /tmp (mounted as an emptyDir by the chart).
USER 65532:65532
# V8's code for the bundle and its chunks, compiled here once rather than at every start: by this
# node binary, with the ENTRYPOINT's flags, as this user (Node keys the cache by all three). At run
# time the cache is only read; a process that cannot use it compiles as before.
RUN node --max-semi-space-size=1 --optimize-for-size --lite-mode scripts/warm-compile-cache.mjs
EXPOSE 8686
# node is PID 1 and handles SIGTERM itself (graceful stop, lease release); no shell wrapper.
# The node flags are SIDECAR_NODE_FLAGS in scripts/sidecar-launch.ts, chosen by bench/node-flags.ts
# (test/cli/bundle.test.ts checks the two agree).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--optimize-for-size", "--lite-mode", "/app/dist/vnf-agent.mjs"]
CMD ["run"]
