import { availableParallelism } from 'node:os';
import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { progressFlag, reasonFlag } from '../../cli/flags.js';
import { buildProgress, renderKernelBuild } from '../../cli/views/kernel.js';
import { FleetwaveError } from '../../errors.js';
import { buildKernel, type KernelBuildResult, type KernelSource } from '../../services/kernel-build.js';

export default class KernelBuild extends FleetwaveCommand {
  static override summary = 'Build kernel packages with a backport series applied, checked and recorded with provenance.';
  static override description = [
    'Source: --git REPO --base REF (a separate worktree; upstream commits are cherry-picked with -x), --tarball FILE (unpacked), or --tree DIR (built in place).',
    'Then: the series config fragment (and --fragment files) merged and checked after make olddefconfig; the uapi enum values checked against upstream; make -j bindeb-pkg; an artifact row with packages, sha256 and sizes, base and result commits, series and config hashes, host, duration and log.',
    'Stops at the first entry that does not apply and names its commit and files. Every build, failed or not, is recorded.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %> --git ~/src/linux --base v5.15.170 --series 5.15-netkit-tcx --base-config /boot/config-5.15.0-91-generic --localversion -netkit --pkgversion 5.15.170-1fw',
    '<%= config.bin %> <%= command.id %> --tarball /usr/src/linux-source-6.12.tar.xz --series-applied --base-config tinyconfig --fragment kernel-patches/real-build/small-net.fragment',
  ];
  static override flags = {
    series: Flags.string({ summary: 'Series name (a folder of kernel-patches/) or path.', default: '5.15-netkit-tcx' }),
    git: Flags.string({ summary: 'Your kernel git repository.', exclusive: ['tarball', 'tree'] }),
    base: Flags.string({ summary: 'Base ref in --git (tag, branch or commit).', dependsOn: ['git'] }),
    tarball: Flags.string({ summary: 'A kernel source tarball.', exclusive: ['git', 'tree'] }),
    tree: Flags.string({ summary: 'An unpacked kernel tree, built in place.', exclusive: ['git', 'tarball'] }),
    'series-applied': Flags.boolean({ summary: 'The tree already carries the series: skip applying, keep every check.', default: false }),
    'upstream-repo': Flags.string({ summary: 'A kernel git repository to fetch series commits from when the source lacks them.' }),
    'base-config': Flags.string({ summary: 'A .config file, or a make config target (defconfig, tinyconfig, ...).', default: 'defconfig' }),
    fragment: Flags.string({ summary: 'Another config fragment to merge (repeatable); its symbols must survive too.', multiple: true, default: [] }),
    localversion: Flags.string({ summary: 'LOCALVERSION, appended to the kernel release.' }),
    pkgversion: Flags.string({ summary: 'KDEB_PKGVERSION of the packages.' }),
    jobs: Flags.integer({ char: 'j', summary: 'make -j; default: the number of cores.', min: 1 }),
    'work-dir': Flags.string({ summary: 'Where the tree, log and packages go (one per build).' }),
    reason: reasonFlag,
    progress: progressFlag,
  };

  async run(): Promise<KernelBuildResult> {
    const { flags } = await this.parse(KernelBuild);
    let source: KernelSource;
    if (flags.git) {
      if (!flags.base) throw new FleetwaveError('USAGE', '--git needs --base REF');
      source = { kind: 'git', repo: flags.git, baseRef: flags.base };
    } else if (flags.tarball) source = { kind: 'tarball', path: flags.tarball };
    else if (flags.tree) source = { kind: 'tree', path: flags.tree };
    else throw new FleetwaveError('USAGE', 'say where the kernel source is: --git REPO --base REF, --tarball FILE or --tree DIR');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    const result = await buildKernel({
      dbPath: flags.db,
      series: flags.series,
      source,
      treeCarriesSeries: flags['series-applied'],
      ...(flags['upstream-repo'] ? { upstreamRepo: flags['upstream-repo'] } : {}),
      baseConfig: flags['base-config'],
      extraFragments: flags.fragment,
      ...(flags.localversion ? { localversion: flags.localversion } : {}),
      ...(flags.pkgversion ? { pkgversion: flags.pkgversion } : {}),
      jobs: flags.jobs ?? availableParallelism(),
      workDir: flags['work-dir'] ?? `.fleetwave/kernel-builds/${stamp}`,
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
      onProgress: buildProgress(this.progress(flags.progress)),
    });
    return this.output(result, renderKernelBuild);
  }
}
