#!/bin/sh
# Makes a fresh clone ready: installs npm dependencies (only when the lockfile changed) and builds.
# Everything the project needs is installed from here, never by hand.
set -eu
cd "$(dirname "$0")/.."

# better-sqlite3 is compiled from source on machines without its prebuilt download; node-gyp
# then needs Node's headers, which Debian's nodejs installs under /usr.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  npm_config_nodedir=/usr
  export npm_config_nodedir
fi

stamp=node_modules/.fleetwave-lock-sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "setup: installing npm dependencies (first run compiles better-sqlite3, ~1 min)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  if ! node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null; then
    echo "setup: better-sqlite3 did not build; check that package.json allowScripts lists it and that a C++ toolchain is installed" >&2
    exit 1
  fi
  echo "$wanted" > "$stamp"
fi

# A clean build (tsc's incremental state lives in dist/), as `npm run build` defines it: tsc, then
# the command manifest.
rm -rf dist
npm run --silent build
