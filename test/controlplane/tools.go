//go:build tools

// Package controlplane pins the Kubernetes release whose real kube-apiserver,
// kube-controller-manager, etcd and kubectl the tests run against, and the
// kube-scheduler, kubelet and kube-proxy of the real node (test/realnode). Nothing here is
// compiled into vnf-agent; build.sh builds the binaries into a cache.
package controlplane

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
