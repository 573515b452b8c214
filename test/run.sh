#!/usr/bin/env bash
# The test command (npm test). On a fresh machine it installs and builds what the
# tests need, then type-checks, lints and runs every test once. Its last line is
# the runner's summary: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

# Every test, and every process a test starts (they spawn process.execPath), runs on the
# Node of the `node` devDependency, not on the machine's: npm puts node_modules/.bin first
# on PATH for `npm test`, and this line does the same for `bash test/run.sh`.
PATH="$PWD/node_modules/.bin:$PATH"
want=$(node -p 'require("./package.json").devDependencies.node' 2>/dev/null)
have=$(node -p 'process.versions.node' 2>/dev/null)
step "node v${have:-?} (package.json devDependencies.node: ${want:-?})"
if [ -z "$want" ] || [ "$have" != "$want" ]; then
  echo "node_modules/.bin/node is not the devDependency's Node: run npm ci (install scripts must run: allowScripts.node)"
  echo "0 passed, 1 failed"; exit 1
fi

step "system packages (sip-tester, kamailio)"
bash test/setup/system-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

step "control plane and go-elector binaries (cached after the first build)"
VNF_CONTROLPLANE_BIN=$(bash test/controlplane/build.sh | tail -1) || { echo "0 passed, 1 failed"; exit 1; }
export VNF_CONTROLPLANE_BIN
# client-go's own leader elector, the benchmarks' election anchor (tested in test/integration/go-elector.test.ts).
VNF_GO_ELECTOR_BIN=$(bash bench/go-elector/build.sh | tail -1) || { echo "0 passed, 1 failed"; exit 1; }
export VNF_GO_ELECTOR_BIN

step "real node images (test/realnode; cached by content after the first build)"
# The chart's images for the real node's tests, built without a registry: a Debian rootfs by
# mmdebstrap, the repository's Dockerfile by buildah. One `NAME ARCHIVE` line per image.
VNF_REALNODE_IMAGES=$(mktemp)
bash test/realnode/images/build.sh >"$VNF_REALNODE_IMAGES" || { echo "0 passed, 1 failed"; exit 1; }
export VNF_REALNODE_IMAGES

step "build, type check, lint"
npm run --silent build && npm run --silent typecheck && npm run --silent lint || { echo "0 passed, 1 failed"; exit 1; }

step "control plane (one for the whole run, shared by every test file)"
ready=$(mktemp); rm -f "$ready"
node --import tsx test/controlplane/standalone.ts --ready-file "$ready" &
cp_pid=$!
stop_cp() { kill -INT "$cp_pid" 2>/dev/null; wait "$cp_pid" 2>/dev/null; rm -f "$ready" "$VNF_REALNODE_IMAGES"; }
trap stop_cp EXIT
for _ in $(seq 1 240); do [ -s "$ready" ] && break; kill -0 "$cp_pid" 2>/dev/null || break; sleep 0.5; done
[ -s "$ready" ] || { echo "control plane did not start"; echo "0 passed, 1 failed"; exit 1; }
VNF_TEST_KUBECONFIG=$(cat "$ready")
export VNF_TEST_KUBECONFIG

step "tests"
shopt -s globstar nullglob
files=(test/**/*.test.ts)
tap=$(mktemp)
node --test --import tsx \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}"
rc=$?
passed=$(awk '/^# pass /{print $3}' "$tap"); failed=$(awk '/^# fail /{print $3}' "$tap")
# node:test counts tests, not hooks: a failing before/after hook fails the run with "# fail 0".
# The summary must not read green then, so count the failed suites instead.
if [ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  failed=$(grep -cE '^ *not ok ' "$tap"); [ "$failed" -gt 0 ] || failed=1
fi
rm -f "$tap"
stop_cp >/dev/null 2>&1; trap - EXIT
echo "${passed:-0} passed, ${failed:-0} failed"
exit $rc
