#!/usr/bin/env bash
# Builds the images the chart runs, without a registry, for the real node (test/realnode):
#   debian:bookworm-slim      a bookworm minbase rootfs from Debian's mirror (mmdebstrap)
#   node:26-bookworm-slim     that + the `node` devDependency's binary + npm (node.Dockerfile)
#   kamailio:5.6.3            that + Debian's kamailio (kamailio.Dockerfile)
#   curlimages/curl:8.11.1    that + Debian's curl, for `helm test` (curl.Dockerfile)
#   vnf-agent:<appVersion>    the repository's own Dockerfile, built by buildah as `docker build .`
# Each image is keyed by the content of what it is built from; an archive already in the cache is
# not rebuilt. Prints one line per image: `NAME ARCHIVE` (an OCI archive for `ctr images import`).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
here="$repo/test/realnode/images"
CACHE=${VNF_REALNODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vnf-agent/realnode}
NPM_VERSION=11.19.1
mkdir -p "$CACHE/images"
# buildah's own storage, not the machine's: layers survive between runs, nothing else is touched.
# Its run root (locks, mount state) is per storage: two caches must not share one.
B=(buildah --root "$CACHE/buildah" --runroot "/run/vnf-agent-buildah-$(echo "$CACHE" | sha256sum | cut -c1-12)" --storage-driver overlay)
# One build at a time per machine (two test files may ask at once).
exec 9>"$CACHE/images.lock"
flock -w 1800 9
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

sha() { sha256sum | cut -c1-24; }
log() { echo "realnode images: $*" >&2; }
has_image() { "${B[@]}" inspect --type image "$1" >/dev/null 2>&1; }
# Each image is also tagged localhost/vnf-cache/KIND:KEY; older keys of a kind are dropped, so the
# cache holds one build of each image (plus buildah's layer cache for the next change).
cached() { echo "localhost/vnf-cache/$1:$2"; }
drop_older() { # kind key
  local old
  for old in $("${B[@]}" images --format '{{.Name}}:{{.Tag}}' 2>/dev/null); do
    case "$old" in "localhost/vnf-cache/$1:$2") ;; "localhost/vnf-cache/$1:"*) "${B[@]}" rmi -f "$old" >/dev/null 2>&1 || true ;; esac
  done
}
archive_of() { echo "$CACHE/images/$(tr '/:' '__' <<<"$1")-$2.tar"; }
# Writes the image to its archive (rename last: no half-written archive under the final name).
export_image() { # name key
  local out; out=$(archive_of "$1" "$2")
  if [ ! -f "$out" ]; then
    rm -f "$CACHE"/images/"$(tr '/:' '__' <<<"$1")"-*.tar
    "${B[@]}" push -q "$1" "oci-archive:$out.tmp:$1" >/dev/null
    mv "$out.tmp" "$out"
  fi
  echo "$1 $out"
}
bud() { # name kind key dockerfile context
  if ! has_image "$(cached "$2" "$3")"; then
    log "building $1"
    local t0; t0=$(date +%s)
    # chroot isolation: RUN steps need no runc sandbox of their own; host network for apt and npm.
    "${B[@]}" bud -q --pull=never --network host --isolation chroot --layers "${TRUST[@]}" \
      -f "$4" -t "$1" -t "$(cached "$2" "$3")" "$5" >/dev/null
    log "built $1 in $(( $(date +%s) - t0 ))s"
    drop_older "$2" "$3"
  fi
  "${B[@]}" tag "$(cached "$2" "$3")" "$1"
}

# RUN steps trust what this machine trusts: where HTTPS goes through a proxy with its own CA (as
# here), `npm ci` in the Dockerfile needs it. Mounted for the build only, so not in any image.
TRUST=()
host_ca=$(npm config get cafile 2>/dev/null || true)
[ -f "$host_ca" ] || host_ca=/etc/ssl/certs/ca-certificates.crt
if [ -f "$host_ca" ]; then
  printf 'cafile=/run/vnf-build/ca.crt\n' >"$tmp/npmrc"
  TRUST=(--volume "$host_ca:/run/vnf-build/ca.crt:ro" --volume "$tmp/npmrc:/root/.npmrc:ro")
fi

for tool in buildah mmdebstrap flock; do
  command -v "$tool" >/dev/null || { echo "realnode images: need $tool (test/setup/system-deps.sh installs it)" >&2; exit 1; }
done

# 1. debian:bookworm-slim. Docs, man pages and locales left out, as the official slim image does.
MM=(mmdebstrap --variant=minbase --include=ca-certificates
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*' bookworm)
debian_key=$(echo "1 ${MM[*]}" | sha)
if ! has_image "$(cached debian "$debian_key")"; then
  log "building debian:bookworm-slim with mmdebstrap"
  t0=$(date +%s)
  rootfs="$tmp/rootfs"; mkdir "$rootfs"
  "${MM[@]}" "$rootfs/rootfs.tar" >/dev/null 2>"$rootfs/log" || { cat "$rootfs/log" >&2; exit 1; }
  c=$("${B[@]}" from scratch)
  "${B[@]}" add "$c" "$rootfs/rootfs.tar" / >/dev/null
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
  "${B[@]}" commit -q "$c" "$(cached debian "$debian_key")" >/dev/null
  "${B[@]}" rm "$c" >/dev/null
  log "built debian:bookworm-slim in $(( $(date +%s) - t0 ))s"
  drop_older debian "$debian_key"
fi
"${B[@]}" tag "$(cached debian "$debian_key")" docker.io/library/debian:bookworm-slim

# 2. node:26-bookworm-slim from the Node the tests run.
node_bin=$(readlink -f "$repo/node_modules/node/bin/node")
[ -x "$node_bin" ] || { echo "realnode images: no $repo/node_modules/node/bin/node (run npm ci)" >&2; exit 1; }
node_version=$("$node_bin" --version)
node_key=$( { echo "$debian_key $NPM_VERSION"; cat "$here/node.Dockerfile"; sha256sum <"$node_bin"; } | sha)
if ! has_image "$(cached node "$node_key")"; then
  ctx="$tmp/node"; mkdir "$ctx"
  cp "$node_bin" "$ctx/node"
  (cd "$ctx" && npm pack -q "npm@$NPM_VERSION" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm --strip-components=1 && rm npm-*.tgz)
  log "node:26-bookworm-slim gets node $node_version and npm $NPM_VERSION"
fi
bud docker.io/library/node:26-bookworm-slim node "$node_key" "$here/node.Dockerfile" "${ctx:-$here}"

# 3. and 4. The SIP server and the helm test image.
kamailio_key=$( { echo "$debian_key"; cat "$here/kamailio.Dockerfile"; } | sha)
bud docker.io/library/kamailio:5.6.3 kamailio "$kamailio_key" "$here/kamailio.Dockerfile" "$here"
curl_key=$( { echo "$debian_key"; cat "$here/curl.Dockerfile"; } | sha)
bud docker.io/curlimages/curl:8.11.1 curl "$curl_key" "$here/curl.Dockerfile" "$here"

# 5. vnf-agent from the repository's Dockerfile; its key covers every file the Dockerfile copies.
app_version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/charts/vnf-agent/Chart.yaml")
agent_key=$( { echo "$node_key"; cd "$repo" && find Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json agent sim charts/vnf-agent/crds -type f -print0 | sort -z | xargs -0 sha256sum; } | sha)
bud "docker.io/library/vnf-agent:$app_version" vnf-agent "$agent_key" "$repo/Dockerfile" "$repo"

export_image docker.io/library/kamailio:5.6.3 "$kamailio_key"
export_image docker.io/curlimages/curl:8.11.1 "$curl_key"
export_image "docker.io/library/vnf-agent:$app_version" "$agent_key"
