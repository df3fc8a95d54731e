#!/bin/sh
# Installs on THIS machine what a fleet node needs to run fleetwave's datapath, so the tests can run
# the CNI plugin as a container runtime would: jq, nsenter (util-linux), Debian's
# containernetworking-plugins (host-local IPAM in /usr/lib/cni) and bpftool >= 7.5 from
# bookworm-backports (7.1 cannot attach tcx), ping and nc. Then builds bpf/ (clang -target bpf). Prints the
# build output directory. Idempotent; needs root, as CI has.
set -eu
cd "$(dirname "$0")/.."
missing=""
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v nsenter >/dev/null 2>&1 || missing="$missing util-linux"
[ -x /usr/lib/cni/host-local ] || missing="$missing containernetworking-plugins"
# What `cni verify` probes pods with: ping, and nc for TCP.
command -v ping >/dev/null 2>&1 || missing="$missing iputils-ping"
command -v nc >/dev/null 2>&1 || missing="$missing netcat-openbsd"
if [ -n "$missing" ]; then
  echo "node-tools: installing$missing" >&2
  apt-get -o DPkg::Lock::Timeout=120 update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends $missing >/dev/null
fi
bpftool_ok() { command -v bpftool >/dev/null 2>&1 && bpftool version 2>/dev/null | grep -Eq '^bpftool v7\.([5-9]|[1-9][0-9])'; }
if ! bpftool_ok; then
  sh bin/debian-backports.sh
  echo "node-tools: installing bpftool from bookworm-backports" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends -t bookworm-backports bpftool >/dev/null
  bpftool_ok || { echo "node-tools: bpftool >= 7.5 is still missing" >&2; exit 1; }
fi
sh bpf/build.sh
