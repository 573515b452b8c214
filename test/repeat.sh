#!/usr/bin/env bash
# Runs one test file N times in a row against one shared control plane, to prove a
# fix for a flaky test: `bash test/repeat.sh test/e2e/peers.test.ts 10`.
# Prints one line per run (exit code and the file's "# ... figures" line) and keeps
# every run's output under the printed directory. Exits 1 if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
file=${1:?usage: test/repeat.sh <test file> [runs]}
runs=${2:-10}
VNF_CONTROLPLANE_BIN=$(bash test/controlplane/build.sh | tail -1) || exit 1
export VNF_CONTROLPLANE_BIN
npm run --silent build || exit 1
out=$(mktemp -d /tmp/vnf-repeat-XXXXXX)
ready="$out/ready"
node --import tsx test/controlplane/standalone.ts --ready-file "$ready" > "$out/controlplane.log" 2>&1 &
cp_pid=$!
trap 'kill -INT $cp_pid 2>/dev/null; wait $cp_pid 2>/dev/null' EXIT
for _ in $(seq 1 240); do [ -s "$ready" ] && break; kill -0 "$cp_pid" 2>/dev/null || break; sleep 0.5; done
[ -s "$ready" ] || { echo "control plane did not start (see $out/controlplane.log)"; exit 1; }
VNF_TEST_KUBECONFIG=$(cat "$ready")
export VNF_TEST_KUBECONFIG
echo "runs of $file, output in $out"
failed=0
for i in $(seq 1 "$runs"); do
  node --test --import tsx "$file" > "$out/run-$i.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
  echo "run $i rc=$rc $(grep -ho '# [a-z]* figures: .*' "$out/run-$i.log" | head -1)"
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
