#!/bin/sh
# The main job on the embedded default: a local ./fleetwave.db and the sample fleet shipped in the repo.
set -eu
cd "$(dirname "$0")/.."
fleetwave() { node bin/run.js "$@"; }

fleetwave fleet import playbooks/inventory/sample-fleet.yaml --reason "quickstart: sample fleet"
echo
fleetwave fleet summary --by cluster
echo
fleetwave audit verify
