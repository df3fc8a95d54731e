import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { droppedSymbols, parseConfig } from '../src/kernel/config-fragment.js';
import { parseDep3 } from '../src/kernel/dep3.js';
import { checkUapi, parseCEnum } from '../src/kernel/uapi.js';
import { loadSeries } from '../src/services/kernel-series.js';
import { runCliJson } from './support/cli.js';
import { bpfHeader515, commitAll, git, syntheticKernelRepo, writeFiles } from './support/synthetic-kernel.js';
import { tempDir } from './support/temp.js';

describe('kernel series pieces (pure)', () => {
  test('C enums are numbered as the compiler does: implicit, explicit, negative, shifts, anonymous by first member', () => {
    const header = '/* x */\nenum a { A0, A1, /* gap */ A5 = 5, A6, // c\n A_NEG = -1, A_SH = (1U << 3), A_REF = A6 };\nenum { ANON_FIRST, ANON_SECOND };\n';
    assert.deepEqual(
      [...parseCEnum(header, 'a')!],
      [
        ['A0', 0],
        ['A1', 1],
        ['A5', 5],
        ['A6', 6],
        ['A_NEG', -1],
        ['A_SH', 8],
        ['A_REF', 6],
      ],
    );
    assert.deepEqual(
      [...parseCEnum(header, 'ANON_FIRST')!],
      [
        ['ANON_FIRST', 0],
        ['ANON_SECOND', 1],
      ],
    );
    assert.equal(parseCEnum(header, 'missing'), null);
    assert.equal(parseCEnum(bpfHeader515(), 'bpf_attach_type')!.get('BPF_PERF_EVENT'), 41, 'the synthetic 5.15 header numbers like the real one');
  });

  test('uapi checks name every member that differs or is missing', () => {
    const problems = checkUapi(
      [
        { header: 'bpf.h', enum: 'bpf_attach_type', values: { BPF_PERF_EVENT: 41, BPF_TCX_INGRESS: 46 } },
        { header: 'gone.h', enum: 'x', values: { X: 1 } },
      ],
      (header) => (header === 'bpf.h' ? bpfHeader515(['BPF_TCX_INGRESS']) : null),
    );
    assert.deepEqual(
      problems.map((problem) => [problem.member, problem.expected, problem.actual]),
      [
        ['BPF_TCX_INGRESS', 46, 42],
        ['X', 1, null],
      ],
    );
  });

  test('config fragments: a symbol is kept only with the value asked for; absent is n', () => {
    const fragment = parseConfig('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\nCONFIG_D="x"\n');
    const final = parseConfig('CONFIG_A=y\nCONFIG_B=y\nCONFIG_D="x"\n');
    assert.deepEqual(droppedSymbols(fragment, final), [
      { symbol: 'CONFIG_B', wanted: 'n', got: 'y' },
      { symbol: 'CONFIG_C', wanted: 'm', got: 'n' },
    ]);
  });

  test('DEP-3 headers: required fields, continuation lines, Origin forms', () => {
    const good = parseDep3('Description: reserve slots\n so numbers match\nOrigin: upstream, commit:053c8e1f235dc3f69d13375b32f4209228e1cb96\nAuthor: A <a@example.invalid>\n---\n--- a/x\n');
    assert.deepEqual([good.problems, good.fields.Description], [[], 'reserve slots\nso numbers match']);
    assert.deepEqual(parseDep3('Subject: x\nOrigin: somewhere\n---\n').problems, [
      'missing DEP-3 field Author',
      'Origin "somewhere" must be "upstream, commit:<sha>", "backport, commit:<sha>", "vendor[, url]" or "other[, url]"',
    ]);
  });

  test('the shipped 5.15-netkit-tcx series is valid: DEP-3 patches, fragment, upstream uapi numbers', () => {
    const loaded = loadSeries('5.15-netkit-tcx');
    assert.equal(loaded.series.base, '5.15');
    const commits = loaded.series.series.filter((entry) => 'commit' in entry);
    assert.ok(commits.length >= 30);
    assert.ok(
      commits.some((entry) => 'commit' in entry && entry.commit.startsWith('35dfaad7188c')),
      'netkit itself',
    );
    assert.ok(
      commits.some((entry) => 'commit' in entry && entry.commit.startsWith('e420bed02507')),
      'tcx itself',
    );
    for (const symbol of ['CONFIG_BPF_SYSCALL', 'CONFIG_NET_XGRESS', 'CONFIG_NETKIT', 'CONFIG_DEBUG_INFO_BTF']) assert.equal(loaded.fragment.get(symbol), 'y', symbol);
    const attach = loaded.series.uapi.find((check) => check.enum === 'bpf_attach_type')!;
    assert.deepEqual([attach.values.BPF_TCX_INGRESS, attach.values.BPF_NETKIT_PRIMARY], [46, 54]);
    assert.match(loaded.sha256, /^[0-9a-f]{64}$/);
  });
});

/** A test series in its own folder: patches with DEP-3 headers, a fragment, uapi expectations. */
function writeSeries(dir: string, entries: unknown[], options: { fragment: string; uapi: unknown[]; patches?: Record<string, string> }): string {
  mkdirSync(dir, { recursive: true });
  writeFiles(dir, { 'config.fragment': options.fragment, ...(options.patches ?? {}) });
  writeFileSync(
    path.join(dir, 'series.yaml'),
    JSON.stringify(
      {
        name: path.basename(dir),
        description: 'test series on a synthetic tree',
        base: '5.15',
        sources: ['https://example.invalid/series'],
        series: entries,
        config: 'config.fragment',
        uapi: options.uapi,
      },
      null,
      2,
    ),
  );
  return dir;
}

describe('kernel build on a synthetic kernel-like git repository', () => {
  const dir = tempDir('fleetwave-kernel-test-');
  const repo = path.join(dir, 'linux');
  const db = path.join(dir, 'fleet.db');
  const commits: Record<string, string> = {};
  let reservePatch = '';
  const UAPI = [
    { header: 'include/uapi/linux/bpf.h', enum: 'bpf_attach_type', values: { BPF_PERF_EVENT: 41, BPF_TCX_INGRESS: 46, BPF_NETKIT_PRIMARY: 54 } },
    { header: 'include/uapi/linux/bpf.h', enum: 'bpf_link_type', values: { BPF_LINK_TYPE_TCX: 11, BPF_LINK_TYPE_NETKIT: 13 } },
  ];
  const FRAGMENT = 'CONFIG_BPF_SYSCALL=y\nCONFIG_NET_XGRESS=y\nCONFIG_NETKIT=y\nCONFIG_VETH=y\n';
  const reserved = (names: string[]) => names;
  const attachSlots = (tcx: boolean, netkit: boolean) =>
    reserved([
      ...['KPROBE_MULTI', 'LSM_CGROUP', 'STRUCT_OPS', 'NETFILTER'].map((name) => `__BPF_RESERVED_${name}`),
      ...(tcx ? ['BPF_TCX_INGRESS', 'BPF_TCX_EGRESS'] : ['__BPF_RESERVED_TCX_INGRESS', '__BPF_RESERVED_TCX_EGRESS']),
      ...['UPROBE_MULTI', 'UNIX_1', 'UNIX_2', 'UNIX_3', 'UNIX_4', 'UNIX_5'].map((name) => `__BPF_RESERVED_${name}`),
      ...(netkit ? ['BPF_NETKIT_PRIMARY', 'BPF_NETKIT_PEER'] : ['__BPF_RESERVED_NETKIT_PRIMARY', '__BPF_RESERVED_NETKIT_PEER']),
    ]);
  const linkSlots = (tcx: boolean, netkit: boolean) => [
    '__BPF_RESERVED_LINK_8 = 8',
    '__BPF_RESERVED_LINK_9 = 9',
    '__BPF_RESERVED_LINK_10 = 10',
    tcx ? 'BPF_LINK_TYPE_TCX = 11' : '__BPF_RESERVED_LINK_TCX = 11',
    '__BPF_RESERVED_LINK_12 = 12',
    netkit ? 'BPF_LINK_TYPE_NETKIT = 13' : '__BPF_RESERVED_LINK_NETKIT = 13',
  ];
  const symbols = ['NET', 'BPF NET', 'BPF_SYSCALL BPF', 'VETH NET'];

  before(() => {
    commits.base = syntheticKernelRepo(repo, symbols);
    // "Upstream" history, as a kernel repository that fetched torvalds/linux would have it.
    git(repo, 'checkout', '-q', '-b', 'upstream');
    writeFiles(repo, { 'include/uapi/linux/bpf.h': bpfHeader515(attachSlots(false, false), linkSlots(false, false)) });
    reservePatch = git(repo, 'diff');
    commitAll(repo, 'uapi: reserve (upstream side, not part of the series)');
    writeFiles(repo, {
      'include/uapi/linux/bpf.h': bpfHeader515(attachSlots(true, false), linkSlots(true, false)),
      'Kconfig.symbols': `${[...symbols, 'NET_XGRESS NET'].join('\n')}\n`,
      'kernel/bpf/tcx.c': '/* SYNTHETIC tcx */\n',
      'net/core/dev.c': '/* SYNTHETIC */\nint dev_queue_xmit(void)\n{\n\treturn tcx_run();\n}\n',
    });
    commits.tcx = commitAll(repo, 'bpf: Add fd-based tcx multi-prog infra with link support');
    writeFiles(repo, {
      'include/uapi/linux/bpf.h': bpfHeader515(attachSlots(true, true), linkSlots(true, true)),
      'Kconfig.symbols': `${[...symbols, 'NET_XGRESS NET', 'NETKIT BPF_SYSCALL'].join('\n')}\n`,
      'drivers/net/netkit.c': '/* SYNTHETIC netkit */\n',
    });
    commits.netkit = commitAll(repo, 'netkit, bpf: Add bpf programmable net device');
    // A tcx that numbers its attach types right after 5.15's last one: what skipping the reservation gives.
    git(repo, 'checkout', '-q', '-b', 'misnumbered', 'v5.15.170');
    writeFiles(repo, {
      'include/uapi/linux/bpf.h': bpfHeader515(['BPF_TCX_INGRESS', 'BPF_TCX_EGRESS'], ['BPF_LINK_TYPE_TCX = 8']),
      'Kconfig.symbols': `${[...symbols, 'NET_XGRESS NET'].join('\n')}\n`,
    });
    commits.misnumbered = commitAll(repo, 'bpf: tcx, numbered in place');
    // A vendor base whose dev.c differs where tcx touches it.
    git(repo, 'checkout', '-q', '-b', 'vendor', 'v5.15.170');
    writeFiles(repo, { 'net/core/dev.c': '/* SYNTHETIC */\nint dev_queue_xmit(void)\n{\n\treturn vendor_hook();\n}\n' });
    commitAll(repo, 'vendor: our own xmit hook');
    git(repo, 'checkout', '-q', 'main');
  });

  const reservePatchFile = () => ({
    'patches/0001-reserve.patch': `Description: uapi: reserve the upstream numbers\nOrigin: other\nAuthor: fleetwave tests <tests@example.invalid>\n---\n${reservePatch}\n`,
  });
  const patchEntry = { patch: 'patches/0001-reserve.patch', subject: 'uapi: reserve the upstream numbers', why: 'adaptation' };
  const commitEntry = (name: 'tcx' | 'netkit' | 'misnumbered', subject: string) => ({ commit: commits[name], subject, upstream: name === 'netkit' ? 'v6.7' : 'v6.6', why: 'feature' });
  const build = (series: string, base: string, work: string, extra: string[] = []) =>
    runCliJson<{ id: number }>([
      'kernel',
      'build',
      '--git',
      repo,
      '--base',
      base,
      '--series',
      series,
      '--base-config',
      'defconfig',
      '--localversion',
      '-netkit',
      '--pkgversion',
      '5.15.170-1fw',
      '-j',
      '2',
      '--work-dir',
      path.join(dir, work),
      '--db',
      db,
      '--reason',
      'CHG-7',
      ...extra,
    ]);

  test('a clean apply builds packages and records full provenance', () => {
    const series = writeSeries(path.join(dir, 'clean'), [patchEntry, commitEntry('tcx', 'tcx'), commitEntry('netkit', 'netkit')], { fragment: FRAGMENT, uapi: UAPI, patches: reservePatchFile() });
    const run = build(series, 'v5.15.170', 'build-clean');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const shown = runCliJson<{
      status: string;
      kernelRelease: string;
      baseCommit: string;
      baseRef: string;
      resultCommit: string;
      seriesName: string;
      seriesSha256: string;
      seriesApplied: boolean;
      configSha256: string;
      buildHost: string;
      durationMs: number;
      logPath: string;
      packages: { package: string; version: string; path: string; sha256: string; sizeBytes: number }[];
    }>(['kernel', 'show', String(run.json.result.id), '--db', db]);
    const built = shown.json.result;
    assert.deepEqual(
      [built.status, built.kernelRelease, built.baseRef, built.baseCommit, built.seriesName, built.seriesApplied],
      ['succeeded', '5.15.170-netkit', 'v5.15.170', commits.base, 'clean', true],
    );
    assert.equal(built.seriesSha256, loadSeries(series).sha256);
    assert.equal(built.packages.length, 1);
    const [kernelPackage] = built.packages;
    assert.deepEqual([kernelPackage!.package, kernelPackage!.version], ['linux-image-5.15.170-netkit', '5.15.170-1fw']);
    assert.equal(kernelPackage!.sha256, createHash('sha256').update(readFileSync(kernelPackage!.path)).digest('hex'));
    assert.equal(kernelPackage!.sizeBytes, readFileSync(kernelPackage!.path).length);
    assert.ok(existsSync(built.logPath) && built.durationMs >= 0 && built.buildHost.length > 0);
    // The result is a commit in the worktree: both upstream commits carried with -x, the patch with its Origin.
    const worktree = path.join(dir, 'build-clean', 'src');
    assert.equal(git(worktree, 'rev-parse', 'HEAD'), built.resultCommit);
    const log = git(worktree, 'log', '--format=%B', `${commits.base}..HEAD`);
    assert.match(log, new RegExp(`cherry picked from commit ${commits.netkit}`));
    assert.match(log, new RegExp(`cherry picked from commit ${commits.tcx}`));
    assert.match(log, /fleetwave series clean: patches\/0001-reserve.patch\nOrigin: other/);
    assert.equal(
      built.configSha256,
      createHash('sha256')
        .update(readFileSync(path.join(worktree, '.config')))
        .digest('hex'),
    );
    assert.match(readFileSync(path.join(worktree, '.config'), 'utf8'), /CONFIG_NETKIT=y/);
    const list = runCliJson<{ builds: { id: number; status: string }[] }>(['kernel', 'list', '--db', db]);
    assert.ok(list.json.result.builds.some((entry) => entry.id === run.json.result.id && entry.status === 'succeeded'));
    const events = runCliJson<{ events: { action: string; reason: string }[] }>(['audit', 'log', '--action', 'kernel.*', '--db', db]);
    assert.deepEqual(events.json.result.events.at(-1), { ...events.json.result.events.at(-1)!, action: 'kernel.built', reason: 'CHG-7' });
  });

  test('a conflict stops at the entry and names its commit and files; the failed build is recorded', () => {
    const series = writeSeries(path.join(dir, 'conflicting'), [patchEntry, commitEntry('tcx', 'tcx')], { fragment: 'CONFIG_NET_XGRESS=y\n', uapi: [], patches: reservePatchFile() });
    const run = build(series, 'vendor', 'build-conflict');
    assert.equal(run.code, 9, run.stdout);
    assert.equal(run.json.error!.code, 'SERIES_CONFLICT');
    assert.match(run.json.error!.message, new RegExp(`entry 2/2 ${commits.tcx!.slice(0, 12)} \\("tcx"\\) does not apply: conflicts in net/core/dev.c`));
    const buildId = (run.json.error!.details as { buildId: number }).buildId;
    const shown = runCliJson<{ status: string; error: string; packages: unknown[] }>(['kernel', 'show', String(buildId), '--db', db]);
    assert.deepEqual([shown.json.result.status, shown.json.result.packages], ['failed', []]);
    assert.match(shown.json.result.error, /SERIES_CONFLICT|does not apply/);
    const worktree = path.join(dir, 'build-conflict', 'src');
    assert.equal(git(worktree, 'status', '--porcelain'), '', 'the worktree is left clean at the last good entry');
  });

  test('a required config symbol that does not survive olddefconfig fails the build, naming it', () => {
    const series = writeSeries(path.join(dir, 'no-netkit'), [patchEntry, commitEntry('tcx', 'tcx')], { fragment: FRAGMENT, uapi: [], patches: reservePatchFile() });
    const run = build(series, 'v5.15.170', 'build-dropped');
    assert.equal(run.code, 9, run.stdout);
    assert.equal(run.json.error!.code, 'CONFIG_DROPPED');
    assert.match(run.json.error!.message, /1 required symbol: CONFIG_NETKIT=y \(got n, from config.fragment\)/);
  });

  test('uapi values that differ from upstream fail the build, naming each', () => {
    const series = writeSeries(path.join(dir, 'misnumbered'), [commitEntry('misnumbered', 'tcx numbered in place')], { fragment: 'CONFIG_NET_XGRESS=y\n', uapi: [UAPI[0], UAPI[1]] });
    const run = build(series, 'v5.15.170', 'build-uapi');
    assert.equal(run.code, 9, run.stdout);
    assert.equal(run.json.error!.code, 'UAPI_MISMATCH');
    assert.match(run.json.error!.message, /BPF_TCX_INGRESS is 42 in include\/uapi\/linux\/bpf.h, upstream 46/);
    assert.match(run.json.error!.message, /BPF_NETKIT_PRIMARY is missing/);
    assert.match(run.json.error!.message, /BPF_LINK_TYPE_TCX is 8 .*upstream 11/);
  });

  test('a series with a bad DEP-3 header or a missing commit is refused before anything is built', () => {
    const bad = writeSeries(path.join(dir, 'bad-dep3'), [patchEntry], { fragment: FRAGMENT, uapi: [], patches: { 'patches/0001-reserve.patch': `Description: x\n---\n${reservePatch}\n` } });
    const refused = build(bad, 'v5.15.170', 'build-bad');
    assert.equal(refused.code, 3, refused.stdout);
    assert.match(refused.json.error!.message, /patches\/0001-reserve.patch: missing DEP-3 field Origin/);
    const missing = writeSeries(path.join(dir, 'missing'), [{ commit: 'a'.repeat(40), subject: 'not here', upstream: 'v6.6', why: 'fix' }], { fragment: FRAGMENT, uapi: [] });
    const absent = build(missing, 'v5.15.170', 'build-missing');
    assert.equal(absent.code, 3);
    assert.match(absent.json.error!.message, /entry 1\/1 aaaaaaaaaaaa \("not here"\) is not in the tree's history/);
  });
});
