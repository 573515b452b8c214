#!/usr/bin/env bash
# Installs the Debian packages the tests run for real: SIPp (sip-tester), Kamailio and Chromium.
# Kamailio's package would start a system daemon on :5060; tests start their own
# instances on loopback, so any daemon the install started is stopped again.
set -euo pipefail
need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
# Debian's chromium for the playground's dashboard test (playwright-core drives it; no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
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
