#!/bin/sh
# Fetches and caches what VM lab hosts need, from Debian's packages only, and prints where it is
# as key=value lines. Idempotent: a second run finds everything cached and downloads nothing.
#   - on this machine: qemu-system-x86 (TCG), busybox-static, cpio, and jq and host-local for the
#     guests' node datapath (installed when missing);
#   - cached, never installed here: the kernel package (default: Debian's newest 6.12, which has
#     netkit built in), iproute2 >= 6.8 and bpftool >= 7.5 from bookworm-backports (a sources
#     entry for it is added with the same URI and keyring as Debian's own).
# Usage: bin/vm-assets.sh [KERNEL_PACKAGE.deb | KERNEL_RELEASE]  (a release names Debian's linux-image-RELEASE)
set -eu
CACHE=${FLEETWAVE_VM_CACHE:-/var/cache/fleetwave/vm}
mkdir -p "$CACHE"
log() { echo "vm-assets: $*" >&2; }

missing=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx insmod || missing="$missing busybox-static"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
command -v xz >/dev/null 2>&1 || missing="$missing xz-utils"
# Copied into guests for the node datapath (fleetwave-cni and fleetwave-acl need them).
command -v jq >/dev/null 2>&1 || missing="$missing jq"
[ -x /usr/lib/cni/host-local ] || missing="$missing containernetworking-plugins"
if [ -n "$missing" ]; then
  log "installing$missing"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

sh "$(dirname "$0")/debian-backports.sh"

cd "$CACHE"
# One package, downloaded once into the cache and unpacked beside it.
fetch() { # NAME [apt-get download options]
  name=$1; shift
  deb=$(ls "$name"_*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    log "downloading $name"
    apt-get download -q "$@" "$name" >/dev/null
    deb=$(ls "$name"_*.deb | head -n 1)
  fi
  [ -d "x-$name" ] || dpkg-deb -x "$deb" "x-$name"
  echo "$CACHE/$deb"
}

if [ $# -ge 1 ] && [ ! -f "$1" ]; then
  case "$1" in
    *[!A-Za-z0-9.+~-]*) log "$1 is neither a .deb file nor a kernel release"; exit 2 ;;
  esac
  kernel_deb=$(fetch "linux-image-$1")
  dir="$CACHE/x-linux-image-$1"
elif [ $# -ge 1 ]; then
  kernel_deb=$(realpath "$1")
  name=$(dpkg-deb -f "$kernel_deb" Package)
  sum=$(sha256sum "$kernel_deb" | cut -c1-16)
  dir="$CACHE/x-$name-$sum"
  [ -d "$dir" ] || dpkg-deb -x "$kernel_deb" "$dir"
else
  name=$(apt-cache depends linux-image-6.12-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.12\.[^ ]*-amd64\)$/\1/p' | head -n 1)
  [ -n "$name" ] || { log "no linux-image-6.12 package found in the apt sources (bookworm-security)"; exit 1; }
  kernel_deb=$(fetch "$name")
  dir="$CACHE/x-$name"
fi
release=$(ls "$dir/boot" | sed -n 's/^vmlinuz-//p' | head -n 1)
[ -n "$release" ] || { log "$kernel_deb holds no /boot/vmlinuz-*"; exit 1; }
fetch iproute2 -t bookworm-backports >/dev/null
fetch bpftool -t bookworm-backports >/dev/null

echo "kernel_package=$kernel_deb"
echo "kernel_release=$release"
echo "kernel_dir=$dir"
echo "ip=$CACHE/x-iproute2/bin/ip"
echo "bpftool=$CACHE/x-bpftool/usr/sbin/bpftool"
echo "cache=$CACHE"
