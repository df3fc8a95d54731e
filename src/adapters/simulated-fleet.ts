import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BOOT_ID_COMMAND, PROBE_SCRIPT } from '../probe/probe-script.js';
import type { CommandResult } from '../ssh/command-result.js';
import type { ConnectionSettings } from '../ssh/connection-settings.js';
import type { UploadResult } from './ssh/ssh-executor.js';
import type { HostTransport } from './transport.js';

/**
 * A SIMULATED FLEET: hosts that exist only in this process's memory and answer the runner's
 * commands with configurable latencies, reboot times and failures. It carries no packet and boots
 * no kernel; it exists to measure the engine at a million hosts (bench:engine) and to test runner
 * decisions fast. Every run on it is recorded as "simulated fleet" in the audit trail.
 *
 * What it understands: the boot id read (a reboot command gives the host a new one and takes it
 * away for rebootMs), the probe script (a fixed, netkit-capable simulated host), uploads (checked
 * against the expected sha256 like the real one). Every other command succeeds unless `fails`
 * says otherwise or the seeded failure rate hits.
 */
export interface SimulatedFleetOptions {
  /** Milliseconds each command takes; 0 answers at once. */
  commandMs?: number;
  /** Milliseconds a host is unreachable after a reboot command. */
  rebootMs?: number;
  /** The chance (0..1) that a playbook command fails, drawn from a seeded generator. */
  failureRate?: number;
  seed?: number;
  /** Commands on hosts that fail every time (tests pick them by host and by the step's own text). */
  fails?: (hostname: string, command: string) => boolean;
  /** Commands that reboot a host (the playbook's reboot steps). */
  rebootCommands?: readonly string[];
  kernel?: string;
  now?: () => number;
}

/** mulberry32: a small seeded generator, so a simulated failure pattern (or a test's data) can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface SimulatedHost {
  boot: number;
  upAt: number;
}

export class SimulatedFleet implements HostTransport {
  readonly kind = 'simulated fleet';
  readonly stats = { commands: 0, uploads: 0, reboots: 0, failures: 0 };
  private readonly hosts = new Map<string, SimulatedHost>();
  private readonly digests = new Map<string, string>();
  private readonly random: () => number;

  constructor(private readonly options: SimulatedFleetOptions = {}) {
    this.random = seededRandom(options.seed ?? 1);
  }

  async run(settings: ConnectionSettings, command: string): Promise<CommandResult> {
    this.stats.commands += 1;
    if (this.options.commandMs) await new Promise((resolve) => setTimeout(resolve, this.options.commandMs));
    const host = this.host(settings.hostname);
    const now = this.now();
    if (now < host.upAt) return this.result(settings.hostname, 'error', null, '', { kind: 'unreachable', message: 'simulated host is rebooting' });
    if (command === BOOT_ID_COMMAND) return this.result(settings.hostname, 'ok', 0, `${this.bootId(settings.hostname, host)}\n`);
    if (command === PROBE_SCRIPT) return this.result(settings.hostname, 'ok', 0, this.probe(settings.hostname, host));
    // Playbook commands arrive as fleetwave renders them: an `export FLEETWAVE_...` line, then the step's own text.
    const body = command.startsWith('export ') && command.includes('\n') ? command.slice(command.indexOf('\n') + 1) : command;
    if ((this.options.rebootCommands ?? ['reboot']).includes(body.trim())) {
      this.stats.reboots += 1;
      host.boot += 1;
      host.upAt = now + (this.options.rebootMs ?? 0);
      return this.result(settings.hostname, 'ok', 0, '');
    }
    if (this.options.fails?.(settings.hostname, body) || (this.options.failureRate !== undefined && this.random() < this.options.failureRate)) {
      this.stats.failures += 1;
      return this.result(settings.hostname, 'failed', 1, '', null, 'simulated failure');
    }
    return this.result(settings.hostname, 'ok', 0, '');
  }

  async upload(settings: ConnectionSettings, localPath: string, remotePath: string, expectedSha256?: string): Promise<UploadResult> {
    this.stats.uploads += 1;
    let sha256 = this.digests.get(localPath);
    if (sha256 === undefined) {
      sha256 = createHash('sha256').update(readFileSync(localPath)).digest('hex');
      this.digests.set(localPath, sha256);
    }
    const mismatch = expectedSha256 !== undefined && expectedSha256 !== sha256;
    return {
      hostname: settings.hostname,
      status: mismatch ? 'error' : 'ok',
      remotePath,
      sha256,
      error: mismatch ? { kind: 'dropped', message: `sha256 ${sha256} is not the expected ${expectedSha256}` } : null,
    };
  }

  async close(): Promise<void> {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private host(hostname: string): SimulatedHost {
    let host = this.hosts.get(hostname);
    if (!host) {
      host = { boot: 0, upAt: 0 };
      this.hosts.set(hostname, host);
    }
    return host;
  }

  private bootId(hostname: string, host: SimulatedHost): string {
    return `simulated-${hostname}-boot-${host.boot}`;
  }

  private probe(hostname: string, host: SimulatedHost): string {
    const kernel = this.options.kernel ?? '6.12.0-simulated';
    return [
      `kernel=${kernel}`,
      `boot_id=${this.bootId(hostname, host)}`,
      'uptime=1',
      `installed=${kernel}`,
      'config_CONFIG_NETKIT=y',
      'config_CONFIG_NET_XGRESS=y',
      'config_CONFIG_BPF_SYSCALL=y',
      'netkit_create=ok',
      'kernel_simulated=1',
      'links_veth=0',
      'links_netkit=0',
      'probe=done',
      '',
    ].join('\n');
  }

  private result(hostname: string, status: CommandResult['status'], exitCode: number | null, stdout: string, error: CommandResult['error'] = null, stderr = ''): CommandResult {
    return { hostname, status, exitCode, signal: null, stdout, stderr, stdoutTruncated: false, stderrTruncated: false, error, durationMs: this.options.commandMs ?? 0 };
  }
}
