import type { Progress } from '../progress.js';
import type { KernelBuild } from '../../adapters/store/kernel-repository.js';
import { renderTable } from '../render-table.js';

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const minutes = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

export function renderKernelBuild(build: KernelBuild): string {
  const lines = [
    `kernel build ${build.id}: ${build.status}${build.kernelRelease ? `, ${build.kernelRelease}` : ''} in ${minutes(build.durationMs)} on ${build.buildHost}`,
    `source      ${build.sourceKind} ${build.source}${build.sourceSha256 ? ` (sha256 ${build.sourceSha256})` : ''}`,
    `base        ${build.baseRef ?? '-'} ${build.baseCommit ?? ''}`.trimEnd(),
    `series      ${build.seriesName} (sha256 ${build.seriesSha256}), ${build.seriesApplied ? 'applied by this build' : 'already carried by the tree'}`,
    `result      ${build.resultCommit ?? '-'}`,
    `config      sha256 ${build.configSha256 ?? '-'}`,
    `versions    LOCALVERSION=${build.localversion ?? ''} KDEB_PKGVERSION=${build.pkgversion ?? ''} -j${build.jobs}`,
    `when        ${build.startedAt} -> ${build.finishedAt}`,
    `log         ${build.logPath}`,
  ];
  if (build.error) lines.push(`error       ${build.error}`);
  if (build.packages.length > 0) {
    lines.push(
      '',
      renderTable(build.packages, [
        { header: 'PACKAGE', value: (entry) => entry.package },
        { header: 'VERSION', value: (entry) => entry.version },
        { header: 'SIZE', value: (entry) => megabytes(entry.sizeBytes), align: 'right' },
        { header: 'SHA256', value: (entry) => entry.sha256 },
        { header: 'PATH', value: (entry) => entry.path },
      ]),
    );
  }
  return lines.join('\n');
}

export function renderKernelBuilds(result: { builds: KernelBuild[] }): string {
  if (result.builds.length === 0) return 'No kernel builds.';
  return renderTable(result.builds, [
    { header: 'ID', value: (build) => build.id, align: 'right' },
    { header: 'STATUS', value: (build) => build.status },
    { header: 'RELEASE', value: (build) => build.kernelRelease ?? '-' },
    { header: 'SERIES', value: (build) => build.seriesName },
    { header: 'PACKAGES', value: (build) => build.packages.length, align: 'right' },
    { header: 'DURATION', value: (build) => minutes(build.durationMs), align: 'right' },
    { header: 'FINISHED', value: (build) => build.finishedAt },
  ]);
}

export function renderKernelVerify(result: { hosts: { hostname: string; kernel: string | null; ok: boolean; missing: string[]; simulated: boolean; error: string | null }[] }): string {
  return renderTable(result.hosts, [
    { header: 'HOSTNAME', value: (host) => host.hostname },
    { header: 'KERNEL', value: (host) => host.kernel ?? '-' },
    { header: 'KERNEL IS', value: (host) => (host.error ? '-' : host.simulated ? 'simulated' : 'real') },
    { header: 'NETKIT/TCX', value: (host) => (host.error ? 'UNREACHABLE' : host.ok ? 'ok' : 'MISSING') },
    { header: 'WHAT IS MISSING', value: (host) => host.error ?? host.missing.join('; ') },
  ]);
}

/** Lines of compiler output kept in a log (not live): one in this many, so a long build shows it is alive. */
const OUTPUT_LINE_EVERY = 500;

/** A build's progress: each phase as a line; compiler output as the status line a terminal redraws, or one line in 500 in a log. */
export function buildProgress(progress: Progress): (event: { phase: string; message: string; line?: boolean }) => void {
  let outputLines = 0;
  return (event) => {
    if (!event.line) {
      progress.line(`${new Date().toISOString().slice(11, 19)} ${event.phase}: ${event.message}`);
      return;
    }
    outputLines += 1;
    if (progress.live) progress.status(`  ${event.message}`);
    else if (outputLines % OUTPUT_LINE_EVERY === 0) progress.line(`  ... ${outputLines} lines of build output: ${event.message}`);
  };
}
