import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A SYNTHETIC kernel-like git repository for the fast kernel-build tests (the real build on real
 * source is `npm run kernel:real-build`). It has what `kernel build` drives: a top-level Makefile
 * with `*config`, `olddefconfig` (a tiny Kconfig resolver: undeclared symbols and symbols whose
 * dependency is unset are dropped, as the real one does), `kernelrelease` and `bindeb-pkg` (a real
 * .deb shaped like linux-image, built with dpkg-deb), and 5.15-shaped uapi headers.
 */
export const SYNTHETIC_MAKEFILE = `# SYNTHETIC kernel build system for fleetwave tests
VERSION = 5
PATCHLEVEL = 15
SUBLEVEL = 170
RELEASE = $(VERSION).$(PATCHLEVEL).$(SUBLEVEL)$(LOCALVERSION)
KDEB_PKGVERSION ?= $(VERSION).$(PATCHLEVEL).$(SUBLEVEL)-1

%config:
\tcp arch/base.config .config
olddefconfig:
\tsh scripts/olddefconfig.sh
kernelrelease:
\t@echo $(RELEASE)
bindeb-pkg:
\tsh scripts/bindeb.sh "$(RELEASE)" "$(KDEB_PKGVERSION)"
`;

const OLDDEFCONFIG = `#!/bin/sh
# SYNTHETIC olddefconfig: Kconfig.symbols lists "SYMBOL [DEPENDENCY]"; the last assignment in
# .config wins; undeclared symbols, and symbols whose dependency is not y, end up unset.
set -e
values=$(mktemp)
sed -n 's/^\\(CONFIG_[A-Za-z0-9_]*\\)=\\(.*\\)$/\\1 \\2/p' .config | awk '{v[$1]=$2} END {for (k in v) print k, v[k]}' > "$values"
: > .config.new
while read -r symbol dependency; do
  [ -n "$symbol" ] || continue
  value=$(awk -v s="CONFIG_$symbol" '$1==s {print $2}' "$values")
  if [ -n "$dependency" ] && ! grep -qx "CONFIG_$dependency=y" .config.new; then value=""; fi
  if [ -n "$value" ] && [ "$value" != n ]; then echo "CONFIG_$symbol=$value" >> .config.new; else echo "# CONFIG_$symbol is not set" >> .config.new; fi
done < Kconfig.symbols
mv .config.new .config
rm -f "$values"
`;

const BINDEB = `#!/bin/sh
# SYNTHETIC bindeb-pkg: a real .deb in the parent directory, shaped like a kernel image package.
set -e
release="$1"; version="$2"
root=$(mktemp -d)
mkdir -p "$root/DEBIAN" "$root/boot"
printf 'Package: linux-image-%s\\nVersion: %s\\nArchitecture: amd64\\nMaintainer: fleetwave tests <tests@example.invalid>\\nDescription: SYNTHETIC kernel image for fleetwave tests\\n' "$release" "$version" > "$root/DEBIAN/control"
cp .config "$root/boot/config-$release"
echo "SYNTHETIC: not a kernel image" > "$root/boot/vmlinuz-$release"
dpkg-deb --root-owner-group --build "$root" "../linux-image-\${release}_\${version}_amd64.deb" >/dev/null
rm -rf "$root"
echo "dpkg-deb: built linux-image-$release"
`;

/** The uapi header of 5.15: attach types end at BPF_PERF_EVENT (41), link types at PERF_EVENT (7). */
export function bpfHeader515(extraAttach: string[] = [], extraLink: string[] = []): string {
  const attach = ['BPF_CGROUP_INET_INGRESS', ...Array.from({ length: 40 }, (_, index) => `BPF_ATTACH_${index + 1}`), 'BPF_PERF_EVENT', ...extraAttach];
  const link = ['BPF_LINK_TYPE_UNSPEC = 0', ...Array.from({ length: 6 }, (_, index) => `BPF_LINK_TYPE_${index + 1} = ${index + 1}`), 'BPF_LINK_TYPE_PERF_EVENT = 7', ...extraLink];
  return `/* SYNTHETIC uapi for fleetwave tests */\nenum bpf_attach_type {\n${attach.map((name) => `\t${name},`).join('\n')}\n\t__MAX_BPF_ATTACH_TYPE\n};\n\nenum bpf_link_type {\n${link.map((name) => `\t${name},`).join('\n')}\n\n\tMAX_BPF_LINK_TYPE,\n};\n`;
}

export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
}

export function commitAll(root: string, message: string): string {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
  return git(root, 'rev-parse', 'HEAD');
}

/** A base tree tagged v5.15.170 with the given Kconfig symbols. */
export function syntheticKernelRepo(root: string, symbols: string[]): string {
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q');
  writeFiles(root, {
    Makefile: SYNTHETIC_MAKEFILE,
    'scripts/olddefconfig.sh': OLDDEFCONFIG,
    'scripts/bindeb.sh': BINDEB,
    'arch/base.config': 'CONFIG_NET=y\nCONFIG_BPF=y\n',
    'Kconfig.symbols': `${symbols.join('\n')}\n`,
    'include/uapi/linux/bpf.h': bpfHeader515(),
    'net/core/dev.c': '/* SYNTHETIC */\nint dev_queue_xmit(void)\n{\n\treturn 0;\n}\n',
  });
  const base = commitAll(root, 'Linux 5.15.170 (synthetic)');
  git(root, 'tag', 'v5.15.170');
  return base;
}
