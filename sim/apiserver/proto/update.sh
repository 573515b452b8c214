#!/usr/bin/env bash
# Refreshes what the stand-in decodes protobuf bodies with: k8s.io/api's and
# k8s.io/apimachinery's generated.proto, and go-json.json (what Go's JSON does
# that the .proto files do not say), from the release test/controlplane/go.mod
# pins, so the schema always matches the real API server the tests compare with.
# Needs Go; the copies are committed, so building and testing do not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pins=$here/../../../test/controlplane
dir_of() { (cd "$pins" && go list -m -f '{{.Dir}}' "$1"); }
api=$(dir_of k8s.io/api)
machinery=$(dir_of k8s.io/apimachinery)
for group in core apps autoscaling coordination events; do
  install -D -m 644 "$api/$group/v1/generated.proto" "$here/k8s.io/api/$group/v1/generated.proto"
done
for pkg in apis/meta/v1 runtime runtime/schema util/intstr api/resource; do
  install -D -m 644 "$machinery/pkg/$pkg/generated.proto" "$here/k8s.io/apimachinery/pkg/$pkg/generated.proto"
done
(cd "$pins" && go run ./protofields) >"$here/go-json.json"
(cd "$pins" && go list -m -f '{{.Path}} {{.Version}}' k8s.io/api k8s.io/apimachinery) >"$here/VERSION"
echo "updated $here from $(tr '\n' ' ' <"$here/VERSION")"
