import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import type { KernelBuild, KernelPackage } from '../adapters/store/kernel-repository.js';
import { withStore } from '../adapters/store/store.js';
import { runCommand, runStreaming } from '../adapters/system/run-command.js';
import { sha256File } from '../adapters/system/sha256-file.js';
import { FleetwaveError } from '../errors.js';
import { droppedSymbols, parseConfig } from '../kernel/config-fragment.js';
import { parseDep3 } from '../kernel/dep3.js';
import { entryLabel } from '../kernel/series.js';
import { checkUapi } from '../kernel/uapi.js';
import { loadSeries, type LoadedSeries } from './kernel-series.js';

export type KernelSource = { kind: 'git'; repo: string; baseRef: string } | { kind: 'tarball'; path: string } | { kind: 'tree'; path: string };

export interface KernelBuildRequest {
  dbPath: string;
  series: string;
  source: KernelSource;
  /** The tree already carries the series: only the config, uapi and packaging steps run. */
  treeCarriesSeries: boolean;
  /** Where upstream commits are fetched from when the source lacks them (a kernel git repository). */
  upstreamRepo?: string;
  /** A make target (tinyconfig, defconfig, ...) or a .config file to start from. */
  baseConfig: string;
  /** More fragments on top of the series' own (e.g. what a small test config needs). All must survive. */
  extraFragments: string[];
  localversion?: string;
  pkgversion?: string;
  jobs: number;
  workDir: string;
  reason?: string;
  clock: Clock;
  onProgress?: (event: { phase: string; message: string; line?: boolean }) => void;
}

export type KernelBuildResult = KernelBuild;

const GIT_IDENTITY = ['-c', 'user.name=fleetwave kernel build', '-c', 'user.email=fleetwave@localhost'];

interface BuildState {
  tree: string;
  log: string;
  baseCommit: string | null;
  resultCommit: string | null;
  sourceSha256: string | null;
  configSha256: string | null;
  kernelRelease: string | null;
  packages: KernelPackage[];
}

class Builder {
  constructor(
    private readonly request: KernelBuildRequest,
    private readonly loaded: LoadedSeries,
    private readonly state: BuildState,
  ) {}

  private progress(phase: string, message: string): void {
    appendFileSync(this.state.log, `\n== ${phase}: ${message}\n`);
    this.request.onProgress?.({ phase, message });
  }

  private async run(program: string, args: string[], options: { cwd?: string; quiet?: boolean } = {}) {
    return runStreaming(program, args, {
      cwd: options.cwd ?? this.state.tree,
      log: this.state.log,
      ...(options.quiet ? {} : { onLine: (line: string) => this.request.onProgress?.({ phase: 'output', message: line, line: true }) }),
    });
  }

  private git(args: string[]): string {
    return runCommand('git', ['-C', this.state.tree, ...args]).trim();
  }

  async prepare(): Promise<void> {
    const { source } = this.request;
    if (source.kind === 'git') {
      if (!existsSync(source.repo)) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `${source.repo} does not exist`);
      let base: string;
      try {
        base = runCommand('git', ['-C', source.repo, 'rev-parse', '--verify', `${source.baseRef}^{commit}`]).trim();
      } catch {
        throw new FleetwaveError('KERNEL_SOURCE_INVALID', `${source.baseRef} is not a commit in ${source.repo}`, { suggestions: ['Fetch it first, e.g. git fetch origin v5.15.170'] });
      }
      this.state.baseCommit = base;
      this.progress('prepare', `a separate worktree of ${source.repo} at ${source.baseRef} (${base.slice(0, 12)}) in ${this.state.tree}`);
      const added = await this.run('git', ['-C', source.repo, 'worktree', 'add', '--detach', this.state.tree, base], { cwd: source.repo, quiet: true });
      if (added.code !== 0) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `git worktree add failed: ${added.tail.slice(-3).join(' | ')}`);
      return;
    }
    if (source.kind === 'tarball') {
      if (!existsSync(source.path)) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `${source.path} does not exist`);
      this.state.sourceSha256 = sha256File(source.path);
      mkdirSync(this.state.tree, { recursive: true });
      this.progress('prepare', `unpacking ${path.basename(source.path)} (sha256 ${this.state.sourceSha256.slice(0, 12)}) into ${this.state.tree}`);
      const unpacked = await this.run('tar', ['-xf', path.resolve(source.path), '-C', this.state.tree, '--strip-components=1'], { quiet: true });
      if (unpacked.code !== 0) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `cannot unpack ${source.path}: ${unpacked.tail.slice(-2).join(' | ')}`);
      if (!this.request.treeCarriesSeries) {
        // The series is applied with git, so the unpacked tree becomes a repository with one base commit.
        await this.run('git', ['init', '-q'], { quiet: true });
        await this.run('git', ['add', '-A'], { quiet: true });
        await this.run('git', [...GIT_IDENTITY, 'commit', '-q', '-m', `base: ${path.basename(source.path)}`], { quiet: true });
        this.state.baseCommit = this.git(['rev-parse', 'HEAD']);
      }
    } else {
      if (!existsSync(path.join(source.path, 'Makefile'))) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `${source.path} is not a kernel tree (no Makefile)`);
      this.progress('prepare', `building in place in ${this.state.tree}`);
      if (existsSync(path.join(source.path, '.git'))) this.state.baseCommit = this.git(['rev-parse', 'HEAD']);
    }
    if (!existsSync(path.join(this.state.tree, 'Makefile'))) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `${this.state.tree} has no top-level Makefile: not a kernel tree`);
  }

  /** Applies every entry in order, stopping at the first that does not apply cleanly. */
  async apply(): Promise<void> {
    const { series } = this.loaded;
    if (this.request.treeCarriesSeries) {
      this.progress('apply', `skipped: the tree already carries ${series.name} (the config and uapi checks still run)`);
      return;
    }
    for (const [index, entry] of series.series.entries()) {
      const position = `${index + 1}/${series.series.length}`;
      if ('commit' in entry) {
        if (!this.hasCommit(entry.commit) && this.request.upstreamRepo) await this.run('git', ['fetch', '-q', this.request.upstreamRepo, entry.commit], { quiet: true });
        if (!this.hasCommit(entry.commit)) {
          throw new FleetwaveError('KERNEL_SOURCE_INVALID', `entry ${position} ${entryLabel(entry)} is not in the tree's history`, {
            suggestions: ['Fetch upstream into your kernel repository (git fetch https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git), or pass --upstream-repo'],
          });
        }
        this.progress('apply', `${position} cherry-pick ${entryLabel(entry)}`);
        const picked = await this.run('git', [...GIT_IDENTITY, 'cherry-pick', '-x', entry.commit], { quiet: true });
        if (picked.code !== 0) await this.conflict(position, entryLabel(entry), 'cherry-pick');
      } else {
        const header = parseDep3(this.loaded.patches.get(entry.patch)!);
        this.progress('apply', `${position} patch ${entryLabel(entry)}`);
        const file = path.join(this.loaded.dir, entry.patch);
        const applied = await this.run('git', ['apply', '--index', '--3way', file], { quiet: true });
        if (applied.code !== 0) await this.conflict(position, entryLabel(entry), 'apply', applied.tail);
        const author = header.fields.Author!.split('\n')[0]!;
        const committed = await this.run(
          'git',
          [
            ...GIT_IDENTITY,
            'commit',
            '-q',
            '--author',
            author.includes('<') ? author : `${author} <unknown@localhost>`,
            '-m',
            `${entry.subject}\n\nfleetwave series ${series.name}: ${entry.patch}\nOrigin: ${header.fields.Origin}`,
          ],
          { quiet: true },
        );
        if (committed.code !== 0) throw new FleetwaveError('KERNEL_BUILD_FAILED', `committing ${entry.patch} failed: ${committed.tail.slice(-3).join(' | ')}`);
      }
    }
    this.state.resultCommit = this.git(['rev-parse', 'HEAD']);
    this.progress('apply', `${series.series.length} entries applied; result ${this.state.resultCommit.slice(0, 12)}`);
  }

  private hasCommit(commit: string): boolean {
    try {
      runCommand('git', ['-C', this.state.tree, 'cat-file', '-e', `${commit}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  private async conflict(position: string, label: string, operation: 'cherry-pick' | 'apply', output: string[] = []): Promise<never> {
    const unmerged = this.git(['diff', '--name-only', '--diff-filter=U']).split('\n').filter(Boolean);
    const failedFiles = output.flatMap((line) => /^error: (?:patch failed: )?([^:]+)(?::\d+)?: /.exec(line)?.[1] ?? []);
    const files = [...new Set([...unmerged, ...failedFiles])];
    await this.run('git', operation === 'cherry-pick' ? ['cherry-pick', '--abort'] : ['reset', '-q', '--hard', 'HEAD'], { quiet: true });
    throw new FleetwaveError('SERIES_CONFLICT', `entry ${position} ${label} does not apply: conflicts in ${files.length > 0 ? files.join(', ') : '(no file named; see the log)'}`, {
      suggestions: [
        `The tree is left at the last clean entry in ${this.state.tree}; the full output is in ${this.state.log}.`,
        'Rebase the entry onto this base and carry it as a patch with DEP-3 headers (Origin: backport, commit:<sha>).',
      ],
      details: { entry: position, label, files },
    });
  }

  async configure(): Promise<void> {
    const config = path.join(this.state.tree, '.config');
    const { baseConfig, extraFragments } = this.request;
    if (existsSync(baseConfig) && statSync(baseConfig).isFile()) {
      copyFileSync(baseConfig, config);
      this.progress('config', `base config from ${baseConfig}`);
    } else if (/^[a-z0-9_]*config$/.test(baseConfig)) {
      this.progress('config', `base config: make ${baseConfig}`);
      const made = await this.run('make', [baseConfig], { quiet: true });
      if (made.code !== 0) throw new FleetwaveError('KERNEL_BUILD_FAILED', `make ${baseConfig} failed: ${made.tail.slice(-3).join(' | ')}`);
    } else {
      throw new FleetwaveError('KERNEL_SOURCE_INVALID', `--base-config ${baseConfig} is neither a file nor a config target such as tinyconfig or defconfig`);
    }
    const fragments = [{ name: this.loaded.series.config, text: this.loaded.fragmentText }, ...extraFragments.map((file) => ({ name: file, text: readFileSync(file, 'utf8') }))];
    for (const fragment of fragments) appendFileSync(config, `\n# fleetwave: ${fragment.name}\n${fragment.text}\n`);
    this.progress('config', `merged ${fragments.map((fragment) => fragment.name).join(', ')}; make olddefconfig`);
    const resolved = await this.run('make', ['olddefconfig'], { quiet: true });
    if (resolved.code !== 0) throw new FleetwaveError('KERNEL_BUILD_FAILED', `make olddefconfig failed: ${resolved.tail.slice(-3).join(' | ')}`);
    const final = parseConfig(readFileSync(config, 'utf8'));
    const dropped = fragments.flatMap((fragment) => droppedSymbols(parseConfig(fragment.text), final).map((symbol) => ({ ...symbol, fragment: fragment.name })));
    if (dropped.length > 0) {
      throw new FleetwaveError(
        'CONFIG_DROPPED',
        `make olddefconfig did not keep ${dropped.length} required symbol${dropped.length === 1 ? '' : 's'}: ${dropped.map((symbol) => `${symbol.symbol}=${symbol.wanted} (got ${symbol.got}, from ${symbol.fragment})`).join(', ')}`,
        {
          suggestions: ['A symbol is dropped when its dependencies are not met: check them with make menuconfig (search with /), then add them to a fragment.'],
          details: { dropped },
        },
      );
    }
    this.state.configSha256 = sha256File(config);
    this.progress(
      'config',
      `every required symbol kept (${fragments.reduce((total, fragment) => total + parseConfig(fragment.text).size, 0)} symbols); config sha256 ${this.state.configSha256.slice(0, 12)}`,
    );
  }

  checkUapi(): void {
    const problems = checkUapi(this.loaded.series.uapi, (header) => {
      const file = path.join(this.state.tree, header);
      return existsSync(file) ? readFileSync(file, 'utf8') : null;
    });
    if (problems.length > 0) {
      throw new FleetwaveError(
        'UAPI_MISMATCH',
        `uapi values differ from upstream, so stock libbpf, bpftool and iproute2 would misbehave: ${problems.map((problem) => `${problem.member} is ${problem.actual ?? 'missing'} in ${problem.header}, upstream ${problem.expected}`).join('; ')}`,
        {
          details: { problems },
        },
      );
    }
    const count = this.loaded.series.uapi.reduce((total, check) => total + Object.keys(check.values).length, 0);
    this.progress('uapi', `${count} uapi values match upstream`);
  }

  async build(): Promise<void> {
    const { jobs, localversion, pkgversion } = this.request;
    const variables = [...(localversion ? [`LOCALVERSION=${localversion}`] : []), ...(pkgversion ? [`KDEB_PKGVERSION=${pkgversion}`] : [])];
    const release = await this.run('make', ['-s', 'kernelrelease', ...variables], { quiet: true });
    this.state.kernelRelease = release.tail.filter(Boolean).at(-1)?.trim() ?? null;
    const parent = path.dirname(this.state.tree);
    const before = new Set(readdirSync(parent).filter((file) => file.endsWith('.deb')));
    this.progress('build', `make -j${jobs} bindeb-pkg for ${this.state.kernelRelease}`);
    const built = await this.run('make', [`-j${jobs}`, ...variables, 'bindeb-pkg']);
    if (built.code !== 0)
      throw new FleetwaveError('KERNEL_BUILD_FAILED', `make bindeb-pkg failed (exit ${built.code}): ${built.tail.slice(-4).join(' | ')}`, { suggestions: [`The full output is in ${this.state.log}`] });
    const packagesDir = path.join(path.dirname(this.state.log), 'packages');
    mkdirSync(packagesDir, { recursive: true });
    for (const file of readdirSync(parent).filter((name) => name.endsWith('.deb') && !before.has(name))) {
      const target = path.join(packagesDir, file);
      renameSync(path.join(parent, file), target);
      const fields = runCommand('dpkg-deb', ['-f', target, 'Package', 'Version']).split('\n');
      this.state.packages.push({
        fileName: file,
        path: target,
        package: fields[0]!.replace(/^Package: /, ''),
        version: fields[1]!.replace(/^Version: /, ''),
        sha256: sha256File(target),
        sizeBytes: statSync(target).size,
      });
    }
    if (this.state.packages.length === 0) throw new FleetwaveError('KERNEL_BUILD_FAILED', 'make bindeb-pkg succeeded but produced no .deb');
    this.progress('build', `${this.state.packages.length} packages: ${this.state.packages.map((entry) => entry.fileName).join(', ')}`);
  }
}

/**
 * `kernel build`: a kernel tree with the backport series applied (or already carried), its
 * config checked, its uapi checked, packaged with bindeb-pkg, and recorded with full provenance.
 * A failed build is recorded too, with the reason, and the tree is kept for inspection.
 */
export async function buildKernel(request: KernelBuildRequest): Promise<KernelBuildResult> {
  const loaded = loadSeries(request.series);
  const started = request.clock.now();
  const workDir = path.resolve(request.workDir);
  mkdirSync(workDir, { recursive: true });
  const tree = request.source.kind === 'tree' ? path.resolve(request.source.path) : path.join(workDir, 'src');
  if (request.source.kind !== 'tree' && existsSync(tree)) throw new FleetwaveError('KERNEL_SOURCE_INVALID', `${tree} already exists: give each build its own --work-dir`);
  const log = path.join(workDir, 'build.log');
  writeFileSync(log, `fleetwave kernel build of ${loaded.series.name} (sha256 ${loaded.sha256}) started ${started.toISOString()}\n`);
  const state: BuildState = { tree, log, baseCommit: null, resultCommit: null, sourceSha256: null, configSha256: null, kernelRelease: null, packages: [] };
  const builder = new Builder(request, loaded, state);
  let failure: unknown = null;
  try {
    await builder.prepare();
    await builder.apply();
    await builder.configure();
    builder.checkUapi();
    await builder.build();
  } catch (error) {
    failure = error;
  }
  const finished = request.clock.now();
  const build: Omit<KernelBuild, 'id'> = {
    status: failure ? 'failed' : 'succeeded',
    kernelRelease: state.kernelRelease,
    sourceKind: request.source.kind,
    source: path.resolve(request.source.kind === 'git' ? request.source.repo : request.source.path),
    sourceSha256: state.sourceSha256,
    baseRef: request.source.kind === 'git' ? request.source.baseRef : null,
    baseCommit: state.baseCommit,
    resultCommit: state.resultCommit,
    seriesName: loaded.series.name,
    seriesSha256: loaded.sha256,
    seriesApplied: !request.treeCarriesSeries,
    configSha256: state.configSha256,
    localversion: request.localversion ?? null,
    pkgversion: request.pkgversion ?? null,
    jobs: request.jobs,
    buildHost: hostname(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    logPath: log,
    error: failure ? ((failure as Error).message ?? String(failure)) : null,
    packages: state.packages,
  };
  const id = withStore({ path: request.dbPath, create: true }, (store) =>
    store.write(() => {
      const recorded = store.kernels.record(build);
      store.events.append(
        [
          {
            subject: `kernel-build:${recorded}`,
            action: failure ? 'kernel.build-failed' : 'kernel.built',
            details: {
              release: build.kernelRelease,
              series: build.seriesName,
              seriesSha256: build.seriesSha256,
              packages: build.packages.map((entry) => ({ file: entry.fileName, sha256: entry.sha256 })),
              error: build.error,
            },
          },
        ],
        currentActor(request.reason),
        finished.toISOString(),
      );
      return recorded;
    }),
  );
  if (failure) {
    if (failure instanceof FleetwaveError) {
      throw new FleetwaveError(failure.code, `${failure.message} (recorded as kernel build ${id})`, {
        suggestions: failure.suggestions,
        details: { buildId: id, ...(failure.details as object | undefined) },
      });
    }
    throw failure;
  }
  return { id, ...build };
}

export function listKernelBuilds(request: { dbPath: string }): { builds: KernelBuild[] } {
  return withStore({ path: request.dbPath, create: false }, (store) => ({ builds: store.kernels.list() }));
}

export function showKernelBuild(request: { dbPath: string; id: number }): KernelBuild {
  return withStore({ path: request.dbPath, create: false }, (store) => {
    const build = store.kernels.find(request.id);
    if (!build) throw new FleetwaveError('KERNEL_BUILD_NOT_FOUND', `no kernel build ${request.id}`, { suggestions: ['See them with: fleetwave kernel list'] });
    return build;
  });
}
