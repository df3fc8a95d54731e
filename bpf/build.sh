#!/bin/sh
# Builds what fleetwave ships to fleet nodes: the BPF objects (clang -target bpf) and the static
# helpers (no libraries needed on the node). Output in bpf/out/. Installs clang and libbpf-dev
# (for bpf_helpers.h) from Debian's packages when missing.
set -eu
cd "$(dirname "$0")"
if ! command -v clang >/dev/null 2>&1 || [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
  echo "bpf: installing clang and libbpf-dev" >&2
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang libbpf-dev libc6-dev gcc >/dev/null
fi
mkdir -p out
clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c acl.bpf.c -o out/acl.bpf.o
gcc -O2 -Wall -Wextra -static -o out/fleetwave-netkit-attach netkit-attach.c
echo "$(pwd)/out"
