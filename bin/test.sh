#!/bin/sh
# The test suite (npm test; .ci/run calls exactly that), in two parts:
#   local: everything on this machine: pure code, SQLite files, the CLI, the namespace lab over
#          real SSH, veth pods and the ACL with tcx. Its files run FLEETWAVE_TEST_CONCURRENCY
#          at a time (default 3): they mostly wait on SSH and simulated reboots, and each makes
#          its own lab, nodes and databases, so none sees another's.
#   alone: one file at a time: the real-kernel scenarios in QEMU guests (TCG guests need the
#          CPUs), the 200,000-host rollout on the simulated fleet (engine-scale: it needs a CPU
#          to itself), and the files that keep a lab registry of their own (lab-ownership, the VM
#          files): a private registry does not see the labs other files make meanwhile, so two
#          labs could claim one slot.
# `sh bin/test.sh local` or `sh bin/test.sh alone` runs one part. The last lines are node's
# summary (ℹ pass N, ℹ fail N) over both parts.
set -u
cd "$(dirname "$0")/.."
parts=${1:-local alone}
concurrency=${FLEETWAVE_TEST_CONCURRENCY:-3}
# The longest files first, so that they are not the ones left running alone at the end.
longest="dist/test/rollout-run.test.js dist/test/rollout-recovery.test.js dist/test/lab-ssh.test.js dist/test/rollout-rollback.test.js dist/test/cli.test.js"
alone_files="dist/test/engine-scale.test.js dist/test/lab-ownership.test.js $(ls dist/test/vm-*.test.js)"
local_files="$longest $(ls dist/test/*.test.js | grep -vxF "$(echo "$longest $alone_files" | tr ' ' '\n')")"
passed=0
failed=0
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for part in $parts; do
  case "$part" in
    local) files=$local_files; jobs=$concurrency ;;
    alone) files=$alone_files; jobs=1 ;;
    *) echo "bin/test.sh: unknown part $part (local or alone)" >&2; exit 2 ;;
  esac
  started=$(date +%s)
  # shellcheck disable=SC2086 # one word per file
  node --test --test-concurrency="$jobs" --test-reporter=spec $files 2>&1 | tee "$log"
  code=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  [ -n "$code" ] || { echo "bin/test.sh: the $part part printed no summary" >&2; status=1; }
  passed=$((passed + $(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -n 1 | grep . || echo 0)))
  failed=$((failed + ${code:-0}))
  echo "bin/test.sh: the $part part took $(( $(date +%s) - started )) s"
done
[ "$failed" -eq 0 ] || status=1
echo "ℹ pass $passed"
echo "ℹ fail $failed"
exit "$status"
