/**
 * The engine at fleet scale, on a SIMULATED FLEET (hosts answer in memory; steps and reboots are
 * instantaneous): a kernel rollout of BENCH_HOSTS hosts (default 100,000 and 1,000,000; canary,
 * then waves of 1%, 10% and the rest, parallel 5,000, one host per rack in flight) through the
 * real planner, runner, SQLite store and audit trail. Once a third of the hosts are done an
 * operator pauses it (the pause latency is how long until the runner saw it) and resumes.
 * Prints host-steps per second, orchestrator CPU per host-step, peak RSS, the database's size,
 * `rollout status` and `audit verify` times at the end, beside the goals of issue 13 and the
 * floor: the simulated fleet answering the same commands with no engine around it.
 * BENCH_PLAYBOOK=one-change runs one change per host (no reboot, no check) instead.
 * Import and plan each run in a process of their own (bench/engine-prepare.ts), as `fleet import`
 * and `rollout plan` do for a user: the peak RSS printed is the run's, beside theirs.
 * Run: npm run bench:engine
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/adapters/clock.js';
import { SimulatedFleet } from '../src/adapters/simulated-fleet.js';
import { BOOT_ID_COMMAND, PROBE_SCRIPT } from '../src/probe/probe-script.js';
import { withStore } from '../src/adapters/store/store.js';
import { verifyAuditTrail } from '../src/services/audit-trail.js';
import { controlRollout } from '../src/services/rollout-control.js';
import type { RunProgress } from '../src/services/rollout-run/run-progress.js';
import { rolloutStatus } from '../src/services/rollout-status.js';
import { runSimulatedRollout, simulatedHostname } from '../src/services/simulation/simulated-rollout.js';

const sizes = (process.env.BENCH_HOSTS ?? '100000,1000000').split(',').map(Number);
// BENCH_PLAYBOOK=one-change: one change per host, no reboot or check (3 host-steps per host).
const oneChange = process.env.BENCH_PLAYBOOK === 'one-change';

/** The floor: the same number of commands answered by the simulated fleet alone. */
async function floor(hosts: number, commands: number): Promise<number> {
  const fleet = new SimulatedFleet();
  const mix = [PROBE_SCRIPT, 'export FLEETWAVE_X=1\ntrue install-kernel', BOOT_ID_COMMAND, 'export FLEETWAVE_X=1\nreboot', BOOT_ID_COMMAND, 'export FLEETWAVE_X=1\ntrue healthy', PROBE_SCRIPT, 'true'];
  const started = performance.now();
  for (let index = 0; index < commands; index += 1) {
    await fleet.run({ hostname: simulatedHostname(index % hosts) } as never, mix[index % mix.length]!);
  }
  return commands / ((performance.now() - started) / 1000);
}

for (const hosts of sizes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetwave-engine-'));
  try {
    // Import and plan each run in a child process, as `fleet import` and `rollout plan` do for a user.
    const prepareStep = (phase: 'import' | 'plan') =>
      JSON.parse(
        execFileSync(process.execPath, ['--max-old-space-size=4096', fileURLToPath(new URL('./engine-prepare.js', import.meta.url)), JSON.stringify({ phase, dir, hosts, oneChange })], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      ) as { dbPath: string; name?: string; seconds: number; maxRssMb: number };
    const imported = prepareStep('import');
    const planned = prepareStep('plan');
    const prepared = { ...planned, name: planned.name! };
    let pauseAskedAt: number | null = null;
    let pauseLatencyMs: number | null = null;
    let pauseCommandMs: number | null = null;
    let control: Promise<unknown> = Promise.resolve();
    const onProgress = (progress: RunProgress) => {
      if (progress.type === 'counts' && pauseAskedAt === null && (progress.byStatus.succeeded ?? 0) >= hosts / 3) {
        const asked = performance.now();
        pauseAskedAt = asked;
        // The command runs in this process (the runner waits for it): its own time is reported apart.
        control = controlRollout({ dbPath: prepared.dbPath, name: prepared.name, event: { type: 'PauseRequested', reason: 'bench: pause latency' }, clock: systemClock }).then(() => {
          pauseCommandMs = performance.now() - asked;
        });
      }
      if (progress.type === 'rollout' && progress.by === 'operator' && progress.status === 'paused' && pauseAskedAt !== null && pauseLatencyMs === null) {
        pauseLatencyMs = performance.now() - pauseAskedAt;
        control = control.then(() => controlRollout({ dbPath: prepared.dbPath, name: prepared.name, event: { type: 'ResumeRequested' }, reason: 'bench: resume', clock: systemClock }));
      }
    };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const { result, fleet } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 200, onProgress });
    await control;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    // The run's peak, before the benchmark's own checks below (a second simulated fleet for the
    // floor, the audit walk) add theirs.
    const runRss = process.resourceUsage().maxRSS / 1024;
    const hostSteps = fleet.stats.commands + fleet.stats.uploads;
    const statusStarted = performance.now();
    rolloutStatus({ dbPath: prepared.dbPath, name: prepared.name, events: 10, now: new Date() });
    const statusMs = performance.now() - statusStarted;
    // How long after the pause's commit the runner saw it, as the runner recorded it.
    const observed = withStore(
      { path: prepared.dbPath, create: false },
      (store) => store.events.query({ action: 'rollout.runner-observed', limit: 1 }).events[0]?.details as { latencyMs?: number } | undefined,
    );
    const auditStarted = performance.now();
    const audit = verifyAuditTrail({ dbPath: prepared.dbPath });
    const auditSeconds = (performance.now() - auditStarted) / 1000;
    const floorRate = await floor(hosts, Math.min(hostSteps, 1_000_000));
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(
      `\n${hosts.toLocaleString('en')} simulated hosts (import ${imported.seconds.toFixed(1)} s and ${imported.maxRssMb.toFixed(0)} MB, plan ${prepared.seconds.toFixed(1)} s and ${prepared.maxRssMb.toFixed(0)} MB, each in a process of its own): ${result.status}, ${JSON.stringify(result.hosts)}`,
    );
    const rows: Array<[string, string, string]> = [
      ['host-steps per second (sustained)', (hostSteps / seconds).toFixed(0), '>= 5,000'],
      ['hosts per second', (hosts / seconds).toFixed(0), ''],
      ['orchestrator CPU per host-step', `${((cpu.user + cpu.system) / hostSteps).toFixed(0)} us`, ''],
      ['run time', `${seconds.toFixed(1)} s for ${hostSteps.toLocaleString('en')} host-steps`, ''],
      ['peak RSS of the run', `${runRss.toFixed(0)} MB (with the checks after the run: ${rss.toFixed(0)} MB)`, '<= 1,500 MB at 1M hosts'],
      ['database size', `${(statSync(prepared.dbPath).size / 1e6).toFixed(0)} MB`, ''],
      ['pause observed after', pauseLatencyMs === null ? 'not sampled' : `${(pauseLatencyMs as number).toFixed(0)} ms`, '< 1 s'],
      ['  of which the pause command itself', pauseCommandMs === null ? 'not sampled' : `${(pauseCommandMs as number).toFixed(0)} ms`, ''],
      ["  the runner, from the pause's commit", observed?.latencyMs === undefined ? 'not recorded' : `${observed.latencyMs} ms`, ''],
      ['rollout status at the end', `${statusMs.toFixed(0)} ms`, '< 1 s'],
      ['audit verify at the end', `${audit.ok ? 'ok' : 'BROKEN'}, ${audit.eventsChecked.toLocaleString('en')} events in ${auditSeconds.toFixed(1)} s`, 'ok'],
      ['floor: the simulated fleet alone', `${floorRate.toFixed(0)} commands/s`, ''],
    ];
    for (const [name, value, goal] of rows) console.log(`  ${name.padEnd(36)} ${value.padEnd(44)} ${goal ? `goal ${goal}` : ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
