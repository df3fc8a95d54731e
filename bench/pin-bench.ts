/**
 * What pinning a rollout's artifacts costs at plan time, beside the physical floor, in one run:
 *   - `rollout plan --dry-run` (plans, pins nothing) and `rollout plan` (plans, saves, and hashes
 *     every file the playbook uploads) of a rollout that ships one large package;
 *   - the peer: coreutils `sha256sum` of the same file, what an operator would run to pin it by hand;
 *   - the floor: reading the file (`cat > /dev/null`, from the page cache like every run here).
 * The difference between the two plans is the pinning. Run: npm run bench:pin
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_OUT, CLI, have, measure, printTable, type Scenario } from './measure.js';

const SIZE_MB = Number(process.env.BENCH_ARTIFACT_MB ?? 512);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function main(): void {
  if (!have('hyperfine')) throw new Error('hyperfine is missing: run bench/install-peers.sh (npm run bench:pin does)');
  const out = path.join(BENCH_OUT, 'pin');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const artifact = path.join(out, 'linux-image.deb');
  execFileSync('sh', ['-c', `head -c ${SIZE_MB}M /dev/urandom > ${artifact}`]);
  writeFileSync(
    path.join(out, 'fleet.csv'),
    `hostname,address,zone,rack\n${Array.from({ length: 100 }, (_, index) => `h${index},10.0.${Math.floor(index / 250)}.${index % 250},z${index % 3},r${index % 10}`).join('\n')}\n`,
  );
  writeFileSync(path.join(out, 'ship.yaml'), 'name: ship\nsteps:\n  - name: upload\n    upload: { src: "{{ vars.package }}", dest: /var/tmp/k.deb }\n  - run: dpkg -i /var/tmp/k.deb\n');
  writeFileSync(path.join(out, 'spec.yaml'), 'name: pinned\nkind: kernel\ntarget: 5.15.0-300\nplaybook: ship\nvars:\n  package: linux-image.deb\n');
  const template = path.join(out, 'template.db');
  execFileSync('node', [CLI, 'fleet', 'import', path.join(out, 'fleet.csv'), '--db', template], { stdio: 'ignore' });
  const db = path.join(out, 'bench.db');
  const fresh = `rm -f ${db} ${db}-wal ${db}-shm && cp ${template} ${db}`;
  copyFileSync(template, db);
  const plan = (extra: string) => `node ${CLI} rollout plan ${path.join(out, 'spec.yaml')} --db ${db} ${extra} > /dev/null`;
  const scenarios: Scenario[] = [
    { name: 'fleetwave rollout plan --dry-run (no pinning)', command: plan('--dry-run'), prepare: fresh, warmup: 1 },
    { name: `fleetwave rollout plan (pins a ${SIZE_MB} MB artifact)`, command: plan(''), prepare: fresh, warmup: 1 },
    { name: `peer: sha256sum of the ${SIZE_MB} MB artifact`, command: `sha256sum ${artifact} > /dev/null`, warmup: 1 },
    { name: `floor: reading the ${SIZE_MB} MB artifact (cat)`, command: `cat ${artifact} > /dev/null`, warmup: 1 },
  ];
  const results = scenarios.map((scenario) => measure(scenario, out, RUNS));
  const [dryRun, pinned, peer, floor] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0], (typeof results)[0]];
  printTable(`Pinning artifacts at plan time, 100 hosts, one ${SIZE_MB} MB package, ${RUNS} runs each, node ${process.version}`, scenarios, results, peer);
  const pinning = pinned.meanSeconds - dryRun.meanSeconds;
  console.log(`pinning (plan minus dry run): ${pinning.toFixed(2)} s; peer sha256sum: ${peer.meanSeconds.toFixed(2)} s; floor (read only): ${floor.meanSeconds.toFixed(2)} s`);
  rmSync(artifact, { force: true });
}

main();
