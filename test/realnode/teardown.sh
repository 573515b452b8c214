#!/usr/bin/env bash
# Removes everything a real node (test/realnode/node.ts) left on this machine: kube-proxy (and its
# rules), CoreDNS and the scheduler when a cluster ran on it, its kubelet and
# containerd, their containers and shims, pod network namespaces and mounts, the bridge and the
# Service range's dummy device, the kubelet's cgroups, its folder, and the kernel settings the
# kubelet changed. node.ts runs it on stop, at exit, and before a start when a previous run died.
# Safe to run twice. Usage: teardown.sh STATE_FILE
set -uo pipefail
state=${1:?state file}
[ -f "$state" ] || exit 0
# shellcheck disable=SC1090
. "$state"
: "${DIR:?}" "${SOCKET:?}" "${BRIDGE:?}" "${SERVICE_DEVICE:?}"

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() { # pid: TERM, then KILL after 5 s
  alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null
  for _ in $(seq 1 50); do alive "$1" || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null; sleep 0.2
}

# Processes started around the node (kube-proxy, CoreDNS, the scheduler: addons.ts), then kube-proxy's rules.
for pid in ${ADDON_PIDS:-}; do stop_pid "$pid"; done
if [ -n "${KUBE_PROXY_BIN:-}" ]; then
  timeout 30 "$KUBE_PROXY_BIN" --cleanup >/dev/null 2>&1
  # --cleanup leaves kube-proxy's KUBE-FIREWALL chain (empty) hooked into INPUT and OUTPUT.
  for hook in INPUT OUTPUT; do while iptables -D "$hook" -j KUBE-FIREWALL 2>/dev/null; do :; done; done
  iptables -X KUBE-FIREWALL 2>/dev/null
fi
stop_pid "${KUBELET_PID:-}"
if alive "${CONTAINERD_PID:-}" && [ -S "$SOCKET" ]; then
  ctr_() { timeout 10 ctr -a "$SOCKET" -n k8s.io "$@"; }
  for id in $(ctr_ tasks ls -q 2>/dev/null); do
    ctr_ tasks kill -s SIGKILL --all "$id" >/dev/null 2>&1
    ctr_ tasks delete -f "$id" >/dev/null 2>&1
  done
  for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1; done
fi
stop_pid "${CONTAINERD_PID:-}"
# Shims outlive containerd; ours are the ones started with our socket.
for p in /proc/[0-9]*; do
  cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
  case "$cmd" in *containerd-shim*"-address $SOCKET "*) kill -KILL "${p#/proc/}" 2>/dev/null ;; esac
done
# Mounts under our folder (rootfs overlays, netns, kubelet volumes), deepest first.
awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null
done
rm -rf "$DIR"
for dev in "$BRIDGE" "$SERVICE_DEVICE"; do ip link del "$dev" 2>/dev/null; done
# The kubelet's cgroups (cgroupfs driver), deepest first; only empty ones can go, which is all of them now.
for c in /sys/fs/cgroup/*/kubepods; do
  [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
done
for kv in ${SYSCTLS:-}; do echo "${kv#*=}" >"/proc/sys/${kv%%=*}" 2>/dev/null; done
rm -f "$state"
exit 0
