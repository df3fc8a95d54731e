#!/bin/sh
# The main job on the embedded defaults: a local ./fleetwave.db, the sample inventory shipped in the
# repo, and a local lab fleet of real sshd hosts (needs root, as the lab makes network namespaces).
set -eu
cd "$(dirname "$0")/.."
fleetwave() { node bin/run.js "$@"; }

fleetwave fleet import playbooks/inventory/sample-fleet.yaml --reason "quickstart: sample fleet"
echo
fleetwave fleet summary --by cluster
echo
fleetwave lab down --lab-dir .fleetwave/quickstart-lab >/dev/null 2>&1 || true
fleetwave lab up --hosts 6 --name quickstart --lab-dir .fleetwave/quickstart-lab --reason "quickstart: lab fleet"
FLEETWAVE_SSH_CONFIG=.fleetwave/quickstart-lab/ssh_config
export FLEETWAVE_SSH_CONFIG
echo
fleetwave fleet probe 'lab=quickstart'
echo
fleetwave fleet exec 'lab=quickstart' -- 'uname -r; cat /proc/sys/kernel/random/boot_id'
echo
fleetwave fleet summary --where 'lab=quickstart' --by zone
echo
fleetwave lab down --lab-dir .fleetwave/quickstart-lab --reason "quickstart: done"
fleetwave audit verify
