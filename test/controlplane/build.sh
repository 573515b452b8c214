#!/usr/bin/env bash
# Builds the real Kubernetes control plane the tests run against: kube-apiserver,
# kube-controller-manager, etcd and kubectl from the Go modules pinned in go.mod, and helm
# from its own module; and the real node's kube-scheduler, kubelet and kube-proxy
# (test/realnode) from the same go.mod, and CoreDNS and metrics-server from their own modules. Output goes to a cache folder outside the repo, keyed by
# version, so only the first run on a machine pays for the build.
# Prints the folder that holds the binaries on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
K8S=$(sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/go.mod")
ETCD=$(sed -n 's/^[[:space:]]*go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\).*/\1/p' "$here/go.mod")
HELM=v3.19.5
# CoreDNS for the real node's cluster (test/realnode/addons.ts), from its own module like helm.
COREDNS=v1.14.7
# metrics-server, the real HPA's source of pod CPU (test/realnode/metrics-server.ts).
METRICS_SERVER=v0.8.0
MINOR=$(cut -d. -f2 <<<"$K8S")
OUT=${VNF_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vnf-agent/controlplane}/k8s-$K8S-etcd-$ETCD-helm-$HELM
mkdir -p "$OUT"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

build_k8s() {
  local version_flags="-X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR"
  rm -rf "$OUT/.tmp"; mkdir -p "$OUT/.tmp"
  (cd "$here" && go build -trimpath -o "$OUT/.tmp/" -ldflags "-s -w $version_flags" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager go.etcd.io/etcd/server/v3)
  # go names the etcd binary after its package folder, `server`.
  mv "$OUT/.tmp/server" "$OUT/etcd"
  mv "$OUT/.tmp/kube-apiserver" "$OUT/.tmp/kube-controller-manager" "$OUT/"
}

build_node() {
  local version_flags="-X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR"
  mkdir -p "$OUT/.tmp"
  (cd "$here" && go build -trimpath -o "$OUT/.tmp/" -ldflags "-s -w $version_flags" \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)
  mv "$OUT/.tmp/kube-scheduler" "$OUT/.tmp/kubelet" "$OUT/.tmp/kube-proxy" "$OUT/"
}

build_kubectl() {
  local version_flags="-X k8s.io/client-go/pkg/version.gitVersion=$K8S -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR"
  mkdir -p "$OUT/.tmp"
  (cd "$here" && go build -trimpath -o "$OUT/.tmp/kubectl" -ldflags "-s -w $version_flags" k8s.io/kubernetes/cmd/kubectl)
  mv "$OUT/.tmp/kubectl" "$OUT/kubectl"
}

build_helm() {
  # helm's own go.mod has no replace directives, so `go install` works; the -X flags make
  # `helm template`/`lint` assume the same Kubernetes version as our API server.
  GOBIN="$OUT/.tmp" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$MINOR" \
    "helm.sh/helm/v3/cmd/helm@$HELM"
  mv "$OUT/.tmp/helm" "$OUT/helm"
}

build_coredns() {
  GOBIN="$OUT/.tmp" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS"
  mv "$OUT/.tmp/coredns" "$OUT/coredns"
}

build_metrics_server() {
  GOBIN="$OUT/.tmp" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER"
  mv "$OUT/.tmp/metrics-server" "$OUT/metrics-server"
}

# Only a build needs Go; cached binaries do not. go.mod's go line is the oldest Go that builds
# these modules, and Debian bookworm's golang-go (1.19) is older, so say where Go comes from.
need_go() {
  command -v go >/dev/null 2>&1 && return 0
  echo "controlplane: building $1 needs Go $(sed -n 's/^go \([0-9.]*\)$/\1/p' "$here/go.mod") or later on PATH (https://go.dev/dl/; Debian bookworm's golang-go is 1.19, too old)" >&2
  exit 1
}

start=$(date +%s)
if [ ! -x "$OUT/kube-apiserver" ] || [ ! -x "$OUT/kube-controller-manager" ] || [ ! -x "$OUT/etcd" ]; then
  need_go "kube-apiserver, kube-controller-manager and etcd"
  echo "controlplane: building kube-apiserver, kube-controller-manager $K8S and etcd $ETCD into $OUT" >&2
  build_k8s
fi
if [ ! -x "$OUT/kubectl" ]; then
  need_go kubectl
  echo "controlplane: building kubectl $K8S" >&2
  build_kubectl
fi
if [ ! -x "$OUT/kubelet" ] || [ ! -x "$OUT/kube-scheduler" ] || [ ! -x "$OUT/kube-proxy" ]; then
  need_go "kubelet, kube-scheduler and kube-proxy"
  echo "controlplane: building kubelet, kube-scheduler and kube-proxy $K8S" >&2
  build_node
fi
if [ ! -x "$OUT/helm" ]; then
  need_go helm
  echo "controlplane: building helm $HELM" >&2
  build_helm
fi
if [ ! -x "$OUT/coredns" ]; then
  need_go coredns
  echo "controlplane: building coredns $COREDNS" >&2
  build_coredns
fi
if [ ! -x "$OUT/metrics-server" ]; then
  need_go metrics-server
  echo "controlplane: building metrics-server $METRICS_SERVER" >&2
  build_metrics_server
fi
rmdir "$OUT/.tmp" 2>/dev/null || true
echo "controlplane: binaries ready in $(( $(date +%s) - start ))s" >&2
echo "$OUT"
