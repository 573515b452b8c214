#!/usr/bin/env bash
# Installs the Debian packages the tests run for real: SIPp (sip-tester), Kamailio and Chromium,
# and the real node's container runtime (containerd, runc, the CNI plugins; test/realnode).
# Kamailio's and containerd's packages would start system daemons; tests start their own
# instances under their own folders, so policy-rc.d keeps the install from starting any, and
# any Kamailio that started anyway is stopped again.
set -euo pipefail
need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
# Debian's chromium for the playground's dashboard test (playwright-core drives it; no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The real node: containerd 1.6 with runc, and the bridge, host-local and loopback CNI plugins.
command -v containerd >/dev/null 2>&1 || need+=(containerd)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
# A static busybox: the real node's pod sandbox (pause) image and its test images are built from it.
# The real node's images: a bookworm rootfs from Debian's mirror, Dockerfiles built by buildah.
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
dpkg -s busybox-static 2>/dev/null | grep -q '^Status: install ok installed' || need+=(busybox-static)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: need ${need[*]} (apt-get install ${need[*]}) and am not root" >&2
  exit 1
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101 tells invoke-rc.d not to start services during the install.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
pkill -x kamailio 2>/dev/null || true
