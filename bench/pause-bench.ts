/**
 * How fast an on-call `rollout pause` from another terminal takes effect on a running
 * `rollout run` (target: under 1 s). A real runner works a lab fleet (real sshd, simulated reboots);
 * a second process pauses it at random moments, then resumes it. For each pause we read the
 * runner's own `rollout.runner-observed` audit event: the time from the pause's commit to the
 * runner seeing it, and also from the moment the operator started the pause command.
 * Needs root (the lab). Run: npm run bench:pause
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_OUT, CLI } from './measure.js';

const PAUSES = Number(process.env.BENCH_PAUSES ?? 10);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 12);
const OUT = path.join(BENCH_OUT, 'pause');
const LAB_DIR = path.join(OUT, 'lab');
const DB = path.join(OUT, 'pause.db');
const env = { ...process.env, FLEETWAVE_SSH_CONFIG: path.join(LAB_DIR, 'ssh_config'), FLEETWAVE_DB: DB };

const fleetwave = (args: string[]) => execFileSync('node', [CLI, ...args], { encoding: 'utf8', env });
const json = <T>(args: string[]) => (JSON.parse(fleetwave([...args, '--json'])) as { result: T }).result;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Observed {
  at: string;
  details: { to: string; latencyMs: number };
}

async function observedAfter(count: number, to: string): Promise<Observed> {
  for (;;) {
    const events = json<{ events: Observed[] }>(['audit', 'log', '--action', 'rollout.runner-observed', '--limit', '0']).events;
    if (events.length > count && events.at(-1)!.details.to === to) return events.at(-1)!;
    await sleep(50);
  }
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `min ${sorted[0]!.toFixed(0)} ms, median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`;
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  fleetwave(['lab', 'up', '--hosts', String(HOSTS), '--name', 'pbench', '--lab-dir', LAB_DIR]);
  try {
    fleetwave(['fleet', 'probe', 'lab=pbench']);
    const specFile = path.join(LAB_DIR, 'kernel-rollout.yaml');
    // One host at a time and a longer soak keep the runner busy for every pause.
    const spec = readFileSync(specFile, 'utf8').replace('parallel: 10', 'parallel: 1').replace('soak: 3s', 'soak: 10s');
    writeFileSync(specFile, spec);
    const name = /^name: (.*)$/m.exec(spec)![1]!;
    fleetwave(['rollout', 'plan', specFile]);
    const runner = spawn('node', [CLI, 'rollout', 'run', name], { env, stdio: 'ignore' });
    const commitToObserved: number[] = [];
    const commandToObserved: number[] = [];
    const commandWall: number[] = [];
    let seen = 0;
    await sleep(2000);
    for (let index = 0; index < PAUSES; index += 1) {
      await sleep(500 + Math.random() * 1500);
      const started = Date.now();
      fleetwave(['rollout', 'pause', name, '--reason', `bench pause ${index + 1}`]);
      commandWall.push(Date.now() - started);
      const observed = await observedAfter(seen, 'paused');
      seen += 1;
      commitToObserved.push(observed.details.latencyMs);
      commandToObserved.push(Date.parse(observed.at) - started);
      fleetwave(['rollout', 'resume', name, '--reason', 'bench resume']);
      await observedAfter(seen, 'running');
      seen += 1;
    }
    fleetwave(['rollout', 'abort', name, '--reason', 'bench done']);
    await new Promise((resolve) => runner.on('close', resolve));
    console.log(`rollout pause seen by a running runner (${PAUSES} pauses, ${HOSTS}-host lab, runner polling every 200 ms):`);
    console.log(`  pause committed -> runner observed: ${stats(commitToObserved)}`);
    console.log(`  operator starts \`rollout pause\` -> runner observed: ${stats(commandToObserved)}`);
    console.log(`  the \`rollout pause\` command itself (node start, commit, exit): ${stats(commandWall)}`);
    console.log(`  target: under 1000 ms from the operator's command; ${Math.max(...commandToObserved) < 1000 ? 'met' : 'NOT met'} on every pause`);
  } finally {
    fleetwave(['lab', 'down', '--lab-dir', LAB_DIR]);
  }
}

await main();
