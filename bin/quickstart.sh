#!/bin/sh
# The main job on the embedded defaults: a local ./fleetwave.db, the sample inventory shipped in the
# repo, and a local lab fleet of real sshd hosts (needs root, as the lab makes network namespaces).
# The lab's kernels and reboots are simulations, named as such in src/lab/sim-bin/.
set -eu
cd "$(dirname "$0")/.."
fleetwave() { node bin/run.js "$@"; }
LAB=.fleetwave/quickstart-lab

fleetwave fleet import playbooks/inventory/sample-fleet.yaml --reason "quickstart: sample fleet"
echo
fleetwave fleet summary --by cluster
echo
fleetwave lab down --lab-dir "$LAB" >/dev/null 2>&1 || true
fleetwave lab up --hosts 6 --name quickstart --lab-dir "$LAB" --reason "quickstart: lab fleet"
trap 'fleetwave lab down --lab-dir "$LAB" --reason "quickstart: done" >/dev/null 2>&1 || true' EXIT
echo
fleetwave fleet probe 'lab=quickstart'
echo
# A kernel rollout of the lab: canary first, then waves, one host per rack in flight.
fleetwave rollout plan "$LAB/kernel-rollout.yaml" --reason "quickstart: kernel rollout"
echo
rollout=$(sed -n 's/^name: //p' "$LAB/kernel-rollout.yaml")
fleetwave rollout run "$rollout" --progress lines --reason "quickstart: kernel rollout"
echo
fleetwave rollout status "$rollout" --events 0
echo
# What an auditor reads: one host's story, and the rollout's record for the change ticket.
fleetwave fleet history quickstart-h002 --limit 12
echo
fleetwave rollout report "$rollout" --html "$LAB-report.html" --force
echo
# The new kernel can run netkit and tcx on every host (the same checks as the playbook's).
fleetwave kernel verify $(seq -f 'quickstart-h%03g' 1 6)
echo
fleetwave fleet probe 'lab=quickstart' >/dev/null
fleetwave fleet summary --where 'lab=quickstart' --by zone
echo
fleetwave lab down --lab-dir "$LAB" --reason "quickstart: done"
trap - EXIT
fleetwave audit verify
