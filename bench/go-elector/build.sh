#!/usr/bin/env bash
# Builds the benchmarks' election anchor, client-go's own leader elector (main.go beside this
# file), from the Go modules pinned in go.mod: the same versions as the control plane in
# test/controlplane/go.mod (test/unit/go-elector-pins.test.ts checks that they agree). The binary
# goes to a cache folder outside the repo, keyed by the client-go version and a hash of the
# sources, so only the first run after a change pays for the build (about a minute on 2 cores with
# an empty Go build cache, a few seconds after).
# Prints the binary's path on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_GO=$(sed -n 's/^[[:space:]]*k8s.io\/client-go \(v[0-9.]*\)$/\1/p' "$here/go.mod")
[ -n "$CLIENT_GO" ] || { echo "go-elector: no k8s.io/client-go version in $here/go.mod" >&2; exit 1; }
HASH=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)
OUT=${VNF_GO_ELECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vnf-agent/go-elector}/client-go-$CLIENT_GO-$HASH
if [ ! -x "$OUT/go-elector" ]; then
  echo "go-elector: building client-go $CLIENT_GO leaderelection into $OUT" >&2
  start=$(date +%s)
  mkdir -p "$OUT"
  rm -rf "$OUT/.tmp"; mkdir -p "$OUT/.tmp"
  (cd "$here" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w" -o "$OUT/.tmp/go-elector" .)
  mv "$OUT/.tmp/go-elector" "$OUT/go-elector"
  rmdir "$OUT/.tmp"
  echo "go-elector: built in $(( $(date +%s) - start ))s" >&2
fi
echo "$OUT/go-elector"
