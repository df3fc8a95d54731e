import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCliJsonAsync } from './cli.js';
import { buildKernelDeb } from './kernel-deb.js';
import { CLI, REPO_ROOT } from './paths.js';
import { ensurePrometheus } from './prometheus.js';
import { tempDir } from './temp.js';

/**
 * A lab fleet for `rollout run` tests: real sshd in network namespaces (simulated kernels and
 * reboots, named as such), a real SQLite file, and the helpers the tests drive it with. Each test
 * file makes its own (`labName` differs), so files run side by side without sharing hosts.
 */
export function rolloutLab(labName: string) {
  const HOSTS = 20;
  const dir = tempDir(`fleetwave-${labName}-`);
  const labDir = path.join(dir, 'lab');
  const db = path.join(dir, 'fleet.db');
  // No FLEETWAVE_SSH_CONFIG: commands find the lab's hosts through the config lab up recorded.
  const env = { FLEETWAVE_DB: db };
  const INITIAL = '5.15.0-91-generic';
  const name = (index: number) => `${labName}-h${String(index).padStart(3, '0')}`;
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, offset) => name(from + offset));

  const cli = <T = unknown>(args: string[]) => runCliJsonAsync<T>(args, { env });
  const hostFile = (hostname: string, file: string) => readFileSync(path.join(labDir, 'hosts', hostname, file), 'utf8');
  const kernelOf = (hostname: string) => hostFile(hostname, 'state/kernel').trim();
  const defaultOf = (hostname: string) => hostFile(hostname, 'state/grub-default').trim();
  /** How often the simulated host has powered off (its boot log says "down" each time). */
  const rebootsOf = (hostname: string) =>
    existsSync(path.join(labDir, 'hosts', hostname, 'boot.log'))
      ? hostFile(hostname, 'boot.log')
          .split('\n')
          .filter((line) => line.endsWith(' down')).length
      : 0;
  const reboots = (hostnames: string[]) => Object.fromEntries(hostnames.map((hostname) => [hostname, rebootsOf(hostname)]));

  const onceOf = (hostname: string) => (existsSync(path.join(labDir, 'hosts', hostname, 'state/grub-once')) ? hostFile(hostname, 'state/grub-once').trim() : '');

  /**
   * The shipped kernel-upgrade playbook with its rollback untouched and the forward steps changed
   * for one scenario: `insert` goes right after "boot the new kernel once"; reboot timeouts shortened.
   */
  function variantPlaybook(fileName: string, insert: string): string {
    const shipped = readFileSync(path.join(REPO_ROOT, 'playbooks', 'kernel-upgrade.yaml'), 'utf8');
    const text = shipped.replace('  - name: drain the node\n', `${insert}  - name: drain the node\n`).replace('down_timeout: 2m\n      up_timeout: 10m', 'down_timeout: 10s\n      up_timeout: 8s');
    assert.notEqual(text, shipped);
    const file = path.join(dir, fileName);
    writeFileSync(file, text);
    return file;
  }

  /** A spec for some lab hosts; relative package path, so the spec's directory is used. */
  function writeSpec(specName: string, target: string, hosts: string[], extra: Record<string, unknown> = {}, kernel: { netkit: boolean } = { netkit: true }): string {
    const packageFile = buildKernelDeb(path.join(dir, 'packages'), target, kernel);
    const spec = {
      name: specName,
      kind: 'kernel',
      target,
      selector: `hostname in (${hosts.join(',')})`,
      playbook: 'kernel-upgrade',
      canary: 1,
      waves: ['100%'],
      soak: '1s',
      checkInterval: '1s',
      parallel: 10,
      failureBudget: { perWave: 0, overall: 0, onSpent: 'pause' },
      vars: { package: path.relative(dir, packageFile), health_check: 'fleetwave-health' },
      ...extra,
    };
    const file = path.join(dir, `${specName}.yaml`);
    writeFileSync(file, JSON.stringify(spec, null, 2)); // JSON is YAML
    return file;
  }

  async function plan(file: string): Promise<void> {
    const planned = await cli(['rollout', 'plan', file]);
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
  }

  interface RunJson {
    status: string;
    stoppedBecause: string;
    hosts: Record<string, number>;
    failed: { hostname: string; status: string; reason: string }[];
    tookOverFrom: string | null;
  }

  /** A runner in the background: its progress lines as they come, and its end. */
  function startRun(rollout: string, extra: string[] = [], extraEnv: Record<string, string> = {}) {
    const child: ChildProcess = spawn(process.execPath, [CLI, 'rollout', 'run', rollout, '--json', '--progress', 'lines', '--lease-ttl', '5', ...extra], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const watcher of [...watchers]) {
        const line = stderr.split('\n').find((candidate) => watcher.pattern.test(candidate));
        if (line) {
          watchers.splice(watchers.indexOf(watcher), 1);
          watcher.resolve(line);
        }
      }
    });
    const done = new Promise<{ code: number | null; signal: string | null; json: { status: number; result: RunJson; error?: { code: string; message: string } } | null; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => {
        let json = null;
        try {
          json = JSON.parse(stdout);
        } catch {
          // killed runners print nothing
        }
        resolve({ code, signal, json, stderr });
      }),
    );
    /** Resolves with the first progress line matching; rejects if the runner ends first. */
    const waitFor = (pattern: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const line = stderr.split('\n').find((candidate) => pattern.test(candidate));
        if (line) return resolve(line);
        watchers.push({ pattern, resolve });
        void done.then((end) => reject(new Error(`the runner ended (exit ${end.code}) before printing ${pattern}:\n${end.stderr}`)));
      });
    return { child, done, waitFor, stderr: () => stderr };
  }

  async function statusOf(rollout: string) {
    const status = await cli<{ rollout: { status: string }; hosts: { hostname: string; state: { status: string; reason?: string; hostFailed?: boolean } }[] }>(['rollout', 'status', rollout]);
    assert.equal(status.code, 0, status.stdout);
    return { status: status.json.result.rollout.status, hosts: Object.fromEntries(status.json.result.hosts.map((host) => [host.hostname, host.state])) };
  }

  async function auditVerifies(): Promise<void> {
    const verify = await cli<{ intact: boolean }>(['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout);
  }

  /** Audit events by action; with a rollout, only that rollout's (tests share one database). */
  async function events(action: string, rollout?: string) {
    const log = await cli<{ events: { action: string; host: string | null; subject: string; details: Record<string, unknown>; reason: string | null }[] }>([
      'audit',
      'log',
      '--action',
      action,
      '--limit',
      '0',
    ]);
    return log.json.result.events.filter((event) => rollout === undefined || event.subject === `rollout:${rollout}`);
  }

  /** Brings the lab up and probes it (the describe's before). */
  async function up(): Promise<void> {
    ensurePrometheus();
    const up = await cli(['lab', 'up', '--hosts', String(HOSTS), '--name', labName, '--lab-dir', labDir]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const probe = await cli(['fleet', 'probe', `lab=${labName}`]);
    assert.equal(probe.code, 0, probe.stdout);
  }

  /** Ends what the tests left planned or halted, then takes the lab down (the describe's after). */
  async function down(): Promise<void> {
    // Rollouts left halted hold their hosts, and lab down refuses to pull hosts from under a rollout.
    const list = await cli<{ rollouts: { name: string; status: string }[] }>(['rollout', 'list']);
    for (const rollout of list.json.result.rollouts.filter((candidate) => ['planned', 'running', 'paused', 'halted'].includes(candidate.status))) {
      await cli(['rollout', 'abort', rollout.name, '--reason', 'test suite done']);
    }
    const down = await cli(['lab', 'down', '--lab-dir', labDir]);
    assert.equal(down.code, 0, down.stdout);
  }

  return {
    HOSTS,
    dir,
    labDir,
    db,
    env,
    INITIAL,
    name,
    range,
    cli,
    hostFile,
    kernelOf,
    defaultOf,
    rebootsOf,
    reboots,
    onceOf,
    variantPlaybook,
    writeSpec,
    plan,
    startRun,
    statusOf,
    auditVerifies,
    events,
    labName,
    up,
    down,
  };
}
