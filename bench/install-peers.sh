#!/bin/sh
# Installs the peers and timers the benchmarks compare against, from Debian's packages, when missing.
set -eu
missing=""
command -v hyperfine >/dev/null 2>&1 || missing="$missing hyperfine"
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
command -v ansible-inventory >/dev/null 2>&1 || missing="$missing ansible-core"
command -v parallel-ssh >/dev/null 2>&1 || missing="$missing pssh"
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
  echo "bench: installing$missing" >&2
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
fi
