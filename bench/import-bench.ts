/**
 * Inventory import at fleet scale, measured side by side with a peer in the same run:
 *   - fleetwave `fleet import` of 100k hosts from CSV, JSON, YAML and Ansible INI into a fresh
 *     database (parse + validate + store + one audit event per host), then re-imports;
 *   - Ansible's own `ansible-inventory --list` on the same INI (parsing only, no storage);
 *   - the floor: the sqlite3 shell's `.import` of the same CSV (no validation, no audit).
 * Timing is done by hyperfine; peak memory by /usr/bin/time. Run: npm run bench:import
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { syntheticFleet, writeInventory } from './generate-inventory.js';
import { BENCH_OUT, CLI, have, measure, printTable, type Scenario } from './measure.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function main(): void {
  for (const tool of ['hyperfine', 'sqlite3', 'ansible-inventory']) {
    if (!have(tool)) throw new Error(`${tool} is missing: run bench/install-peers.sh (npm run bench:import does)`);
  }
  rmSync(BENCH_OUT, { recursive: true, force: true });
  mkdirSync(BENCH_OUT, { recursive: true });
  const fleet = syntheticFleet(HOSTS);
  for (const format of ['csv', 'json', 'yaml', 'ini'] as const) writeInventory(path.join(BENCH_OUT, `fleet.${format}`), format, fleet);
  writeInventory(path.join(BENCH_OUT, 'fleet-next.csv'), 'csv', syntheticFleet(HOSTS, 1));

  const db = path.join(BENCH_OUT, 'bench.db');
  const fresh = `rm -f ${db} ${db}-wal ${db}-shm`;
  const fw = (args: string) => `node ${CLI} ${args} --db ${db} > /dev/null`;
  const seeded = `${fresh} && ${fw(`fleet import ${BENCH_OUT}/fleet.csv`)}`;
  const scenarios: Scenario[] = [
    { name: 'fleetwave import csv (fresh db)', command: fw(`fleet import ${BENCH_OUT}/fleet.csv`), prepare: fresh, comparable: true },
    { name: 'fleetwave import json (fresh db)', command: fw(`fleet import ${BENCH_OUT}/fleet.json`), prepare: fresh, comparable: true },
    { name: 'fleetwave import yaml (fresh db)', command: fw(`fleet import ${BENCH_OUT}/fleet.yaml`), prepare: fresh, comparable: true },
    { name: 'fleetwave import ansible ini (fresh db)', command: fw(`fleet import ${BENCH_OUT}/fleet.ini`), prepare: fresh, comparable: true },
    { name: 'fleetwave re-import csv, unchanged', command: fw(`fleet import ${BENCH_OUT}/fleet.csv`), prepare: seeded, comparable: true },
    { name: 'fleetwave re-import csv, 10% moved rack', command: fw(`fleet import ${BENCH_OUT}/fleet-next.csv`), prepare: seeded, comparable: true },
    { name: 'fleetwave fleet summary --by zone', command: fw('fleet summary --by zone'), prepare: `[ -f ${db} ] || (${seeded})` },
    { name: 'fleetwave audit verify', command: fw('audit verify'), prepare: `[ -f ${db} ] || (${seeded})` },
    { name: 'peer: ansible-inventory --list (ini, parse only)', command: `ansible-inventory -i ${BENCH_OUT}/fleet.ini --list > /dev/null`, runs: 1, comparable: true },
    {
      name: 'floor: sqlite3 .import csv (no validation)',
      command: `sqlite3 ${BENCH_OUT}/floor.db '.import --csv ${BENCH_OUT}/fleet.csv hosts'`,
      prepare: `rm -f ${BENCH_OUT}/floor.db`,
      comparable: true,
    },
  ];
  const results = scenarios.map((scenario) => measure(scenario, BENCH_OUT, RUNS));
  const peer = results.find((result) => result.name.startsWith('peer:'))!;
  printTable(`Inventory import, ${HOSTS.toLocaleString('en')} hosts, ${RUNS} runs each (peer: 1 run), node ${process.version}`, scenarios, results, peer);
  console.log('"vs peer": how many times faster than ansible-inventory turning the same fleet into hosts (higher is better).');
}

main();
