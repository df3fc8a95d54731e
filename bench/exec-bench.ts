/**
 * Fan-out over real SSH: `fleet exec -- true` on 100 and 500 lab hosts (real sshd processes in
 * network namespaces), side by side in the same run with Ansible (`-m raw` and `-m command`),
 * parallel-ssh and the floor (a bare ssh2 + p-queue loop, bench/floor-exec.ts), all at the same
 * concurrency and the same keys, known_hosts and ssh config.
 * Ansible keeps its default ControlPersist and every tool gets a warm-up run, so Ansible is
 * measured at its best. Needs root (the lab). Run: npm run bench:exec
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_OUT, CLI, have, measure, printTable, type Scenario } from './measure.js';

const SIZES = (process.env.BENCH_SIZES ?? '100,500').split(',').map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OUT = path.join(BENCH_OUT, 'exec');
const LAB_DIR = path.join(OUT, 'lab');
const DB = path.join(OUT, 'exec.db');
const SSH_CONFIG = path.join(LAB_DIR, 'ssh_config');
const FLOOR = path.join(path.dirname(CLI), '..', 'dist', 'bench', 'floor-exec.js');

function fleetwave(args: string[]): string {
  return execFileSync('node', [CLI, ...args, '--db', DB], { encoding: 'utf8', env: { ...process.env, FLEETWAVE_SSH_CONFIG: SSH_CONFIG } });
}

function main(): void {
  for (const tool of ['hyperfine', 'ansible', 'parallel-ssh']) {
    if (!have(tool)) throw new Error(`${tool} is missing: run bench/install-peers.sh (npm run bench:exec does)`);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const largest = Math.max(...SIZES);
  const started = Date.now();
  const lab = JSON.parse(fleetwave(['lab', 'up', '--hosts', String(largest), '--name', 'bench', '--lab-dir', LAB_DIR, '--json'])) as {
    result: { hosts: { hostname: string; address: string }[] };
  };
  const labSeconds = (Date.now() - started) / 1000;
  try {
    const allResults: string[] = [];
    for (const size of SIZES) {
      const hosts = lab.result.hosts.slice(0, size);
      const inventory = path.join(OUT, `ansible-${size}.ini`);
      writeFileSync(inventory, `[lab]\n${hosts.map((host) => host.hostname).join('\n')}\n`);
      const hostsFile = path.join(OUT, `pssh-${size}.txt`);
      writeFileSync(hostsFile, `${hosts.map((host) => host.hostname).join('\n')}\n`);
      const selector = `hostname in (${hosts.map((host) => host.hostname).join(',')})`;
      const ansibleEnv = `ANSIBLE_SSH_ARGS='-F ${SSH_CONFIG} -o ControlMaster=auto -o ControlPersist=60s' ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_CONTROL_PATH_DIR=${OUT}/cp`;
      const scenarios: Scenario[] = [
        {
          name: `fleetwave fleet exec -- true (${size} hosts)`,
          command: `FLEETWAVE_SSH_CONFIG=${SSH_CONFIG} node ${CLI} fleet exec '${selector}' --db ${DB} --concurrency ${CONCURRENCY} -- true > /dev/null`,
          warmup: 1,
          comparable: true,
        },
        { name: `peer: ansible -m raw -a true (${size} hosts)`, command: `${ansibleEnv} ansible all -i ${inventory} -m raw -a true -f ${CONCURRENCY} -o > /dev/null`, warmup: 1, comparable: true },
        {
          name: `peer: ansible -m command -a true (${size} hosts)`,
          command: `${ansibleEnv} ansible all -i ${inventory} -m command -a true -f ${CONCURRENCY} -o > /dev/null`,
          warmup: 1,
          comparable: true,
        },
        { name: `parallel-ssh true (${size} hosts)`, command: `parallel-ssh -h ${hostsFile} -p ${CONCURRENCY} -x '-F ${SSH_CONFIG}' true > /dev/null`, warmup: 1, comparable: true },
        { name: `floor: bare ssh2 + p-queue loop (${size} hosts)`, command: `node ${FLOOR} ${SSH_CONFIG} ${CONCURRENCY} ${hosts.map((host) => host.hostname).join(' ')}`, warmup: 1, comparable: true },
      ];
      const results = scenarios.map((scenario) => measure(scenario, OUT, RUNS));
      printTable(`Fan-out of "true" to ${size} lab hosts, concurrency ${CONCURRENCY}, ${RUNS} runs after 1 warm-up`, scenarios, results, results[1]!);
      const floor = results.at(-1)!;
      console.log(`fleetwave takes ${(results[0]!.meanSeconds / floor.meanSeconds).toFixed(2)}x the floor's time (goal: within 1.1x, start-up included)`);
      allResults.push(...results.map((result) => `${result.name}: ${result.meanSeconds.toFixed(2)} s`));
    }
    console.log(`\nlab up --hosts ${largest}: ${labSeconds.toFixed(1)} s (not part of the comparison)`);
  } finally {
    fleetwave(['lab', 'down', '--lab-dir', LAB_DIR]);
  }
}

main();
