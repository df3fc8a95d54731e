/**
 * Rollout planning at fleet scale: a 1,000,000-host fleet (30 zones, 12,000 racks) planned with
 * canaries, five wave sizes and in-flight spread limits (1 per rack, 5% per zone). Pure code, no
 * I/O: this measures the planner itself. Run: npm run bench:plan
 */
import type { Host } from '../src/fleet/host.js';
import { planRollout } from '../src/rollout/planner.js';
import { RolloutSpecSchema } from '../src/rollout/spec.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function fleet(count: number): Host[] {
  return Array.from({ length: count }, (_, index) => {
    const zone = `z${index % 30}`;
    return {
      hostname: `n${String(index).padStart(7, '0')}`,
      address: `n${index}`,
      port: null,
      user: null,
      cluster: `c${index % 4}`,
      zone,
      rack: `${zone}-r${Math.floor(index / 30) % 400}`,
      labels: {},
      runningKernel: '5.15.0-91-generic',
      defaultKernel: '5.15.0-91-generic',
      nextBootKernel: null,
      installedKernels: [],
      bootId: null,
      uptimeSeconds: null,
      netkitCapable: true,
      netkitDetail: null,
      cniMode: 'veth',
      lastProbedAt: null,
      createdAt: '',
      updatedAt: '',
    };
  });
}

const hosts = fleet(HOSTS);
const spec = RolloutSpecSchema.parse({
  name: 'bench',
  kind: 'kernel',
  target: '5.15.0-200-netkit',
  playbook: 'kernel-upgrade',
  waves: [1, 5, '10%', '25%', '100%'],
  canary: 3,
  spread: { rack: 1, zone: '5%' },
});
const seconds: number[] = [];
let summary = '';
for (let run = 0; run < RUNS; run += 1) {
  const started = performance.now();
  const plan = planRollout(spec, hosts, { lockedBy: new Map() });
  seconds.push((performance.now() - started) / 1000);
  summary = `${plan.hostCount} hosts, ${plan.waves.length} waves, ${plan.waves.reduce((total, wave) => total + wave.batches.length, 0)} batches`;
}
const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
console.log(
  `planRollout over ${HOSTS.toLocaleString('en')} hosts (${summary}): mean ${mean.toFixed(2)} s over ${RUNS} runs (min ${Math.min(...seconds).toFixed(2)} s), heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
