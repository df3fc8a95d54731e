#!/bin/sh
# Makes bookworm-backports available to apt (iproute2 >= 6.8 and bpftool >= 7.5 live there): adds a
# sources entry with the same URI and keyring as Debian's own when none exists, and refreshes the
# package lists when backports' bpftool is not known yet. Idempotent; called by the other scripts.
set -eu
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "debian-backports: adding a sources entry for bookworm-backports" >&2
  cat > /etc/apt/sources.list.d/fleetwave-bookworm-backports.sources <<'SOURCES'
# Added by fleetwave (bin/debian-backports.sh): iproute2 >= 6.8 and bpftool >= 7.5.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-cache policy bpftool 2>/dev/null | grep -q bpo12 || apt-get -o DPkg::Lock::Timeout=120 update -q >/dev/null
