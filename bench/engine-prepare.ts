/**
 * One step of the engine benchmark's preparation, in a process of its own as a user's `fleet
 * import` and `rollout plan` each are: `import` the simulated fleet, or `plan` its rollout; prints
 * {dbPath, seconds, maxRssMb} as JSON, and the rollout's name after `plan`. The benchmark's own process then holds only what
 * `rollout run` holds, so its peak RSS is the runner's, not the heap V8 kept after an import.
 * Usage (from bench/engine-bench.ts): node dist/bench/engine-prepare.js '{"phase":"import"|"plan","dir":..,"hosts":..,"oneChange":..}'
 */
import { systemClock } from '../src/adapters/clock.js';
import { importSimulatedFleet, ONE_CHANGE_PLAYBOOK, planSimulatedRollout } from '../src/services/simulation/simulated-rollout.js';

const request = JSON.parse(process.argv[2] ?? '{}') as { phase: 'import' | 'plan'; dir: string; hosts: number; oneChange: boolean };
const started = performance.now();
const options = {
  dir: request.dir,
  hosts: request.hosts,
  clock: systemClock,
  ...(request.oneChange ? { playbook: ONE_CHANGE_PLAYBOOK } : {}),
  spec: { waves: [1, '1%', '10%', '100%'], canary: 1, parallel: 5000, spread: { rack: 1 } },
};
// The import step has no rollout yet: it prints the database only.
const prepared = request.phase === 'import' ? importSimulatedFleet(options) : planSimulatedRollout(options);
console.log(JSON.stringify({ ...prepared, seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
