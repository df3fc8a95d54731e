#!/bin/sh
# The kernel that `npm run kernel:real-build` built, rolled out by fleetwave onto a small lab with
# the shipped kernel-upgrade playbook: upload (sha256 checked), install, one-shot boot, netkit/tcx
# check against the package's real config, default. (The lab's booting is simulated; the package,
# its config and checksums are real.) Needs root. Uses the newest successful build in the database.
set -eu
cd "$(dirname "$0")/.."
db="${FLEETWAVE_DB:-${FLEETWAVE_REAL_BUILD_DIR:-/var/tmp/fleetwave-real-kernel-build}.db}"
fleetwave() { node bin/run.js "$@" --db "$db"; }
build=$(fleetwave kernel list --json | node -e '
  const builds = JSON.parse(require("fs").readFileSync(0, "utf8")).result.builds.filter((b) => b.status === "succeeded");
  if (builds.length === 0) { console.error("no successful kernel build in the database"); process.exit(1); }
  const b = builds[0]; const image = b.packages.find((p) => /^linux-image-[^-].*[^g]$/.test(p.package) && !p.package.endsWith("-dbg"));
  console.log(`${b.kernelRelease} ${image.path}`);')
release=${build% *}
package=${build#* }
lab=/var/tmp/fleetwave-real-kernel-lab
fleetwave lab down --lab-dir "$lab" >/dev/null 2>&1 || true
fleetwave lab up --hosts 3 --name realk --lab-dir "$lab" --reason "roll out the real kernel build"
trap 'fleetwave lab down --lab-dir "$lab" >/dev/null 2>&1 || true' EXIT
FLEETWAVE_SSH_CONFIG="$lab/ssh_config"
export FLEETWAVE_SSH_CONFIG
fleetwave fleet probe 'lab=realk' >/dev/null
name="real-kernel-$(date -u +%Y%m%dt%H%M%S)"
cat > "$lab/real-kernel.yaml" <<SPEC
name: $name
kind: kernel
target: $release
selector: lab=realk
playbook: kernel-upgrade
canary: 1
waves: ["100%"]
soak: 2s
checkInterval: 1s
vars:
  package: $package
  health_check: fleetwave-health
SPEC
fleetwave rollout plan "$lab/real-kernel.yaml"
fleetwave rollout run "$name" --progress lines
fleetwave kernel verify realk-h001 realk-h002 realk-h003
fleetwave lab down --lab-dir "$lab"
trap - EXIT
