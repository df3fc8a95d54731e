/**
 * What putting an ACL rule set in force on a node costs, beside a naive peer and the floor, in one
 * run on a node on this machine (a network namespace with the real program and maps in bpffs):
 *   - fleetwave: `applyNodeAcl` (read the node's maps, plan, compare-and-set commit of one bpftool
 *     batch under a lock: what `cni acl apply` does per node, minus SSH);
 *   - peer: one `bpftool map update` per rule, what a hand-written agent loop does (and not atomic);
 *   - floor: one `bpftool batch` of exactly the rule updates, nothing read, nothing checked.
 * Medians of RUNS runs for RULES rules. Run: npm run bench:acl (needs root)
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeRuleKey, encodeRuleValue } from '../src/cni/acl/encode.js';
import { applyNodeAcl } from '../src/cni/acl/node-acl.js';
import { AclRuleSetSchema, compileAcl, type CompiledAcl } from '../src/cni/acl/rules.js';
import { createLocalCniNode } from '../test/support/cni-node.js';
import { REPO_ROOT } from '../test/support/paths.js';
import { BENCH_OUT } from './measure.js';

const RULES = Number(process.env.BENCH_RULES ?? 4000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function ruleSet(count: number, salt: number): CompiledAcl {
  const rules = Array.from({ length: count }, (_, index) => ({
    name: `r${index}`,
    action: index % 3 === 0 ? 'deny' : 'allow',
    to: `10.${(index >> 8) & 255}.${index & 255}.${salt % 256}`,
    protocol: 'tcp',
    port: 1 + (index % 1000),
  }));
  return compileAcl(AclRuleSetSchema.parse({ rules }));
}

const hex = (bytes: number[]) => bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const node = createLocalCniNode(`fwbench-${process.pid}`, path.join(BENCH_OUT, 'acl'));
  try {
    const loaded = await node.run(`fleetwave-acl load ${path.join(REPO_ROOT, 'bpf', 'out', 'acl.bpf.o')}`);
    if (loaded.exitCode !== 0) throw new Error(loaded.stderr);
    const layout = { aclHelper: path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-acl'), bpffs: node.bpffs };
    const rulesMap = `${node.bpffs}/acl/maps/acl_rules`;
    const lines = (acl: CompiledAcl, generation: number) =>
      acl.entries.map((entry) => `map update pinned ${rulesMap} key hex ${hex(encodeRuleKey(entry, generation))} value hex ${hex(encodeRuleValue(entry))}`);
    const timings = { fleetwave: [] as number[], peer: [] as number[], floor: [] as number[] };
    for (let run = 0; run < RUNS; run += 1) {
      const acl = ruleSet(RULES, run + 1);
      let started = performance.now();
      await applyNodeAcl(node, layout, acl);
      timings.fleetwave.push(performance.now() - started);
      // The peer and the floor write under generation 1000 + run, never in force, then clear it.
      started = performance.now();
      const floor = await node.run('bpftool batch file -', `${lines(acl, 1000 + run).join('\n')}\n`);
      timings.floor.push(performance.now() - started);
      if (floor.exitCode !== 0) throw new Error(floor.stderr);
      await node.run(
        'bpftool batch file -',
        `${lines(acl, 1000 + run)
          .map((line) => line.replace('map update', 'map delete').replace(/ value hex .*/, ''))
          .join('\n')}\n`,
      );
      const peerLines = lines(acl, 2000 + run);
      started = performance.now();
      const peer = await node.run(`while IFS= read -r line; do bpftool $line || exit 1; done`, `${peerLines.join('\n')}\n`);
      timings.peer.push(performance.now() - started);
      if (peer.exitCode !== 0) throw new Error(peer.stderr);
      await node.run('bpftool batch file -', `${peerLines.map((line) => line.replace('map update', 'map delete').replace(/ value hex .*/, '')).join('\n')}\n`);
    }
    const rows = [
      ['fleetwave applyNodeAcl (read, plan, CAS commit, atomic)', median(timings.fleetwave)],
      ['peer: one bpftool map update per rule (not atomic)', median(timings.peer)],
      ['floor: one bpftool batch of the updates', median(timings.floor)],
    ] as const;
    console.log(`\nPutting ${RULES} ACL rules in force on one node (median of ${RUNS} runs, this machine)\n`);
    for (const [name, ms] of rows) console.log(`${name.padEnd(60)} ${(ms / 1000).toFixed(2).padStart(7)} s   ${(ms / median(timings.floor)).toFixed(1).padStart(5)}x floor`);
  } finally {
    node.destroy();
  }
}

await main();
