/**
 * The engine at fleet scale, on a SIMULATED FLEET (hosts answer in memory; steps and reboots are
 * instantaneous): a kernel rollout of BENCH_HOSTS hosts (default 100,000 and 1,000,000) through the
 * real planner, runner and SQLite store. Prints host-steps per second, orchestrator CPU per
 * host-step, peak RSS, the database's size, and `rollout status` time at the end, next to the
 * goals of issue 13. Run: npm run bench:engine
 */
import { statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/adapters/clock.js';
import { prepareSimulatedRollout, runSimulatedRollout } from '../src/services/simulation/simulated-rollout.js';
import { rolloutStatus } from '../src/services/rollout-status.js';

const sizes = (process.env.BENCH_HOSTS ?? '100000,1000000').split(',').map(Number);

for (const hosts of sizes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetwave-engine-'));
  try {
    const prepareStarted = performance.now();
    const prepared = prepareSimulatedRollout({ dir, hosts, clock: systemClock, spec: { waves: [1, '1%', '10%', '100%'], canary: 1, parallel: 5000, spread: { rack: 1 } } });
    const prepareSeconds = (performance.now() - prepareStarted) / 1000;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const { result, fleet } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 50 });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const hostSteps = fleet.stats.commands + fleet.stats.uploads;
    const statusStarted = performance.now();
    rolloutStatus({ dbPath: prepared.dbPath, name: prepared.name, events: 10, now: new Date() });
    const statusMs = performance.now() - statusStarted;
    console.log(
      `${hosts.toLocaleString('en')} simulated hosts: ${result.status} in ${seconds.toFixed(1)} s (import and plan ${prepareSeconds.toFixed(1)} s); ` +
        `${hostSteps.toLocaleString('en')} host-steps, ${(hostSteps / seconds).toFixed(0)}/s; CPU ${(((cpu.user + cpu.system) / hostSteps)).toFixed(0)} us per host-step; ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; database ${(statSync(prepared.dbPath).size / 1e6).toFixed(0)} MB; rollout status ${statusMs.toFixed(0)} ms; ${JSON.stringify(result.hosts)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
