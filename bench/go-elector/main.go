// Command go-elector is the election anchor of the benchmarks: client-go's own
// leader elector (k8s.io/client-go/tools/leaderelection) on a
// coordination.k8s.io/v1 Lease (resourcelock.LeaseLock), as a Kubernetes
// controller runs it, with nothing of vnf-agent in it. It prints one JSON line
// per event on stdout, each with the wall-clock time it happened:
//
//	{"ts":1764748800123.456,"event":"startedLeading","identity":"pod-0","leader":"pod-0"}
//
// Events: "started" (pid, settings), "newLeader" (the leader it observed
// changed, itself included), "startedLeading", "stoppedLeading", "signal"
// (SIGTERM or SIGINT: the context is cancelled and, with ReleaseOnCancel, a
// leader releases the Lease before "exit") and "exit". client-go's own log
// (klog) goes to stderr.
//
// Built by build.sh beside this file from the Go modules pinned in go.mod:
// the same versions as the control plane the benchmarks run it against
// (test/controlplane/go.mod).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

var out sync.Mutex

// emit writes one event line; os.Stdout is unbuffered, so the line leaves at once.
func emit(event string, fields map[string]any) {
	line := map[string]any{"ts": float64(time.Now().UnixMicro()) / 1000, "event": event}
	for k, v := range fields {
		line[k] = v
	}
	b, _ := json.Marshal(line)
	out.Lock()
	defer out.Unlock()
	fmt.Fprintln(os.Stdout, string(b))
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file (empty: in-cluster config)")
	namespace := flag.String("namespace", "default", "namespace of the Lease")
	lease := flag.String("lease", "", "name of the Lease")
	identity := flag.String("identity", "", "this member's identity (holderIdentity when it leads)")
	leaseDuration := flag.Duration("lease-duration", 8*time.Second, "LeaseDuration")
	renewDeadline := flag.Duration("renew-deadline", 6*time.Second, "RenewDeadline")
	retryPeriod := flag.Duration("retry-period", 2*time.Second, "RetryPeriod")
	klog.InitFlags(nil)
	flag.Parse()
	if *lease == "" || *identity == "" {
		fmt.Fprintln(os.Stderr, "go-elector: --lease and --identity are required")
		os.Exit(2)
	}

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-elector: %v\n", err)
		os.Exit(1)
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-elector: %v\n", err)
		os.Exit(1)
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: *namespace, Name: *lease},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: *identity},
	}

	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-signals
		emit("signal", map[string]any{"identity": *identity, "signal": s.String()})
		cancel()
	}()

	emit("started", map[string]any{
		"identity": *identity, "pid": os.Getpid(), "namespace": *namespace, "lease": *lease,
		"leaseDurationS": leaseDuration.Seconds(), "renewDeadlineS": renewDeadline.Seconds(), "retryPeriodS": retryPeriod.Seconds(),
	})
	var leading atomic.Bool
	// Run returns when the context is cancelled (after releasing the Lease, if
	// this member leads) or when a leader fails to renew within RenewDeadline.
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            *lease,
		LeaseDuration:   *leaseDuration,
		RenewDeadline:   *renewDeadline,
		RetryPeriod:     *retryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) {
				leading.Store(true)
				emit("startedLeading", map[string]any{"identity": *identity, "leader": *identity})
			},
			// client-go calls it when Run returns, also for a member that never led.
			OnStoppedLeading: func() {
				if leading.Load() {
					emit("stoppedLeading", map[string]any{"identity": *identity})
				}
			},
			OnNewLeader: func(leader string) {
				emit("newLeader", map[string]any{"identity": *identity, "leader": leader})
			},
		},
	})
	emit("exit", map[string]any{"identity": *identity, "cancelled": ctx.Err() != nil})
}
