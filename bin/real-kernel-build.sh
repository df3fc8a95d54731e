#!/bin/sh
# The slow end-to-end kernel build on real source (not part of `npm test`): Debian's
# linux-source-6.12 already carries netkit and tcx, so this is the "tree already carries the
# series" path: the series' config fragment, symbol and uapi checks, make bindeb-pkg, provenance.
# Installs what it needs, builds a small config (tinyconfig + kernel-patches/real-build/small-net.fragment),
# then lists the recorded artifact. Run: npm run kernel:real-build   (needs root for apt-get)
set -eu
cd "$(dirname "$0")/.."
missing=""
for package in linux-source-6.12 debhelper build-essential bc bison flex libssl-dev libelf-dev dwarves cpio kmod rsync dpkg-dev fakeroot xz-utils; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
  apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
work="${FLEETWAVE_REAL_BUILD_DIR:-/var/tmp/fleetwave-real-kernel-build}"
db="${FLEETWAVE_DB:-$work.db}"
rm -rf "$work"
/usr/bin/time -v node bin/run.js kernel build \
  --tarball /usr/src/linux-source-6.12.tar.xz --series-applied \
  --series 5.15-netkit-tcx --base-config tinyconfig --fragment kernel-patches/real-build/small-net.fragment \
  --localversion -fleetwave --pkgversion 6.12-1fleetwave \
  --work-dir "$work" --db "$db" --reason "real kernel build check" 2> "$work.stderr" || { tail -n 40 "$work.stderr"; exit 1; }
grep -E "Elapsed|Maximum resident" "$work.stderr"
node bin/run.js kernel list --db "$db"
# Then roll the package just built out onto a small lab with the kernel-upgrade playbook.
FLEETWAVE_DB="$db" sh bin/real-kernel-rollout.sh
