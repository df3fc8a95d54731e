import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Benchmarks run the built CLI exactly as a user would, and write under bench/out/. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO_ROOT, 'bin', 'run.js');
export const BENCH_OUT = path.join(REPO_ROOT, 'bench', 'out');

export interface Scenario {
  name: string;
  command: string;
  prepare?: string;
  runs?: number;
  warmup?: number;
  /** Does the same job as the peer, so a ratio against it means something. */
  comparable?: boolean;
}

export interface Measured {
  name: string;
  meanSeconds: number;
  stddevSeconds: number;
  maxRssMb: number;
}

export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** hyperfine times the runs; /usr/bin/time inside the same runs records peak memory, so nothing runs twice. */
export function measure(scenario: Scenario, outDir: string, defaultRuns: number): Measured {
  const exportFile = path.join(outDir, 'hyperfine.json');
  const rssFile = path.join(outDir, 'rss.txt');
  rmSync(rssFile, { force: true });
  const args = ['--runs', String(scenario.runs ?? defaultRuns), '--export-json', exportFile, '--style', 'basic', '--shell', 'bash'];
  if (scenario.prepare) args.push('--prepare', scenario.prepare);
  if (scenario.warmup) args.push('--warmup', String(scenario.warmup));
  const command = `/usr/bin/time -a -o ${rssFile} -f %M bash -c ${JSON.stringify(scenario.command)}`;
  execFileSync('hyperfine', [...args, '--command-name', scenario.name, command], { stdio: ['ignore', 'inherit', 'inherit'] });
  const result = (JSON.parse(readFileSync(exportFile, 'utf8')) as { results: { mean: number; stddev: number | null }[] }).results[0]!;
  const rssKb = readFileSync(rssFile, 'utf8').trim().split('\n').map(Number);
  return { name: scenario.name, meanSeconds: result.mean, stddevSeconds: result.stddev ?? 0, maxRssMb: Math.round(Math.max(...rssKb) / 1024) };
}

/** A fixed-width table with each row's speed relative to the peer row. */
export function printTable(title: string, scenarios: readonly Scenario[], results: readonly Measured[], peer: Measured): void {
  console.log(`\n${title}`);
  console.log(`${'scenario'.padEnd(56)} ${'mean s'.padStart(8)} ${'± s'.padStart(6)} ${'max RSS MB'.padStart(11)} ${'vs peer'.padStart(8)}`);
  results.forEach((result, index) => {
    const ratio = result === peer ? '1.0x' : scenarios[index]!.comparable ? `${(peer.meanSeconds / result.meanSeconds).toFixed(1)}x` : '';
    console.log(`${result.name.padEnd(56)} ${result.meanSeconds.toFixed(2).padStart(8)} ${result.stddevSeconds.toFixed(2).padStart(6)} ${String(result.maxRssMb).padStart(11)} ${ratio.padStart(8)}`);
  });
}
