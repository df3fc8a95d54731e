import { FLEETWAVE_ENTRY } from '../../paths.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { currentActor } from '../../adapters/actor.js';
import { thisMachine } from '../../adapters/system/process-probe.js';
import type { Clock } from '../../adapters/clock.js';
import { localEnvironment, sshConfigLookups } from '../../adapters/ssh/ssh-config-files.js';
import type { HostTransport } from '../../adapters/transport.js';
import type { RunnerLease } from '../../adapters/store/run-ledger-repository.js';
import { openStore, type Store } from '../../adapters/store/store.js';
import { FleetwaveError } from '../../errors.js';
import { judgeLease } from '../../rollout/lease.js';
import { loadRolloutSpec } from '../../rollout/load-spec.js';
import { reasonOf, type HostState } from '../../rollout/host-machine.js';
import type { RolloutStatus } from '../../rollout/rollout-machine.js';
import { countTallies } from '../../rollout/run-decision.js';
import { resolveConnection } from '../../ssh/connection-settings.js';
import { openExecutor, type SshRunOptions } from '../fleet-exec.js';
import { changedArtifacts } from '../artifacts.js';
import { parsePlaybook, sha256Of } from '../playbook-files.js';
import { specSha256 } from '../rollout-plan.js';
import { groupCommitFor, type RunContext } from './run-context.js';
import type { RunProgress } from './run-progress.js';
import { RolloutRunner } from './runner.js';

interface RunRolloutBase {
  dbPath: string;
  name: string;
  reason?: string;
  clock: Clock;
  leaseTtlMs: number;
  pollMs: number;
  onProgress?: (progress: RunProgress) => void;
  /** Aborted when an operator interrupts the runner (Ctrl-C): it leaves at the next step boundary. */
  stop?: AbortSignal;
}

/** Hosts are reached over SSH (with its options), or through a given transport: the simulated fleet of the scale benchmark and runner tests. */
export type RunRolloutRequest = RunRolloutBase & ({ transport: HostTransport } | (SshRunOptions & { transport?: undefined }));

export interface RunRolloutResult {
  name: string;
  status: RolloutStatus;
  /** finished: nothing left to do. halted: a gate or budget stopped it and an operator must look. interrupted: Ctrl-C. */
  stoppedBecause: 'finished' | 'halted' | 'interrupted';
  reason: string | null;
  hosts: Partial<Record<HostState['status'], number>>;
  failed: { hostname: string; status: string; reason: string }[];
  tookOverFrom: string | null;
}

/** The lease's holder while it is alive (see judgeLease), or null when it may be taken over. */
function liveHolder(lease: RunnerLease | null, now: Date): RunnerLease | null {
  return lease && judgeLease(lease, now, thisMachine).alive ? lease : null;
}

/** The spec and playbook files, if they still exist, must be what was planned. */
function refuseChangedFiles(store: Store, name: string): string[] {
  const definition = store.rollouts.definition(name)!;
  const warnings: string[] = [];
  const stored = store.rollouts.find(name)!;
  if (definition.specPath && existsSync(definition.specPath)) {
    const loaded = loadRolloutSpec(definition.specPath, readFileSync(definition.specPath, 'utf8'));
    if (!loaded.spec || loaded.spec.name !== name || specSha256(loaded.spec) !== stored.specSha256) {
      throw new FleetwaveError('SPEC_CHANGED', `${definition.specPath} changed since rollout ${name} was planned; a rollout runs the spec it was planned with`, {
        suggestions: ['Restore the file, or plan the change as a new rollout under a new name (abort this one first).'],
      });
    }
  } else if (definition.specPath) {
    warnings.push(`${definition.specPath} is gone; running the spec as planned`);
  }
  if (definition.playbookPath && existsSync(definition.playbookPath) && sha256Of(readFileSync(definition.playbookPath, 'utf8')) !== definition.playbookSha256) {
    throw new FleetwaveError('SPEC_CHANGED', `${definition.playbookPath} changed since rollout ${name} was planned`, {
      suggestions: ['Restore the playbook, or plan a new rollout that uses the changed one.'],
    });
  }
  if (definition.artifacts === null) {
    warnings.push(`rollout ${name} was planned before fleetwave pinned artifacts: its uploads are checked only in transit`);
  } else {
    const changed = changedArtifacts(definition.artifacts);
    if (changed.length > 0) {
      throw new FleetwaveError('SPEC_CHANGED', `what rollout ${name} ships changed since it was planned: ${changed.join('; ')}`, {
        suggestions: ['Restore the artifact, or plan the new one as a new rollout (abort this one first).'],
        details: { changed },
      });
    }
  }
  return warnings;
}

function acquireLease(store: Store, name: string, owner: string, ttlMs: number, now: () => Date, reason: string | undefined, transport: HostTransport['kind']): string | null {
  return store.write(() => {
    const existing = store.ledger.lease(name);
    const holder = liveHolder(existing, now());
    if (holder && holder.owner !== owner) {
      const age = Math.round((now().getTime() - Date.parse(holder.heartbeatAt)) / 1000);
      throw new FleetwaveError('ROLLOUT_RUNNING', `rollout ${name} is already being run by pid ${holder.pid} on ${holder.machine} (heartbeat ${age}s ago)`, {
        suggestions: ['Watch it with: fleetwave rollout status ' + name + ' --watch', `A dead runner's lease expires ${Math.round(holder.ttlMs / 1000)}s after its last heartbeat.`],
      });
    }
    const at = now().toISOString();
    store.ledger.takeLease({ rollout: name, owner, pid: process.pid, machine: thisMachine.machine, acquiredAt: at, heartbeatAt: at, ttlMs });
    const tookOverFrom = existing ? `pid ${existing.pid} on ${existing.machine}` : null;
    store.events.append([{ subject: `rollout:${name}`, action: 'rollout.runner-started', details: { pid: process.pid, tookOverFrom, transport } }], currentActor(reason), at);
    return tookOverFrom;
  });
}

function summarize(store: Store, name: string, status: RolloutStatus, reason: string | null, stoppedBecause: RunRolloutResult['stoppedBecause'], tookOverFrom: string | null): RunRolloutResult {
  const failed = store.rollouts.failedHosts(name).map((host) => ({ hostname: host.hostname, status: host.state.status, reason: reasonOf(host.state) ?? '' }));
  return { name, status, stoppedBecause, reason, hosts: countTallies(store.rollouts.tallies(name)), failed, tookOverFrom };
}

/**
 * `rollout run NAME`: takes the rollout's lease and works it until it completes, is rolled back
 * or aborted and settled, or halts. Running it again after a crash picks up where the rows say.
 */
export async function runRollout(request: RunRolloutRequest): Promise<RunRolloutResult & { warnings: string[] }> {
  const store = openStore({ path: request.dbPath, create: false });
  const owner = randomUUID();
  try {
    const stored = store.rollouts.find(request.name);
    if (!stored) throw new FleetwaveError('ROLLOUT_NOT_FOUND', `no rollout named ${request.name}`, { suggestions: ['See them with: fleetwave rollout list'] });
    const definition = store.rollouts.definition(request.name)!;
    if (!definition.playbook || !definition.playbookPath) {
      throw new FleetwaveError('PLAYBOOK_INVALID', `rollout ${request.name} was planned before playbooks were snapshotted; plan it again under a new name`);
    }
    const warnings = refuseChangedFiles(store, request.name);
    const playbook = parsePlaybook(definition.playbookPath, definition.playbook, definition.spec.vars);
    const tookOverFrom = acquireLease(store, request.name, owner, request.leaseTtlMs, () => request.clock.now(), request.reason, request.transport?.kind ?? 'ssh');
    const env = localEnvironment();
    const sshConfig = request.transport === undefined ? request.sshConfig : undefined;
    const lookupFor = sshConfigLookups(sshConfig, env, store.labs.sshConfigs());
    const actor = currentActor(request.reason);
    const executor = request.transport === undefined ? openExecutor({ store, actor, now: () => request.clock.now().toISOString() }, request) : request.transport;
    let runner: RolloutRunner | null = null;
    const context: RunContext = {
      writes: groupCommitFor({ store, name: request.name, owner }),
      store,
      name: request.name,
      spec: definition.spec,
      playbook,
      specDir: path.dirname(definition.specPath ?? definition.playbookPath),
      artifacts: definition.artifacts,
      actor,
      clock: request.clock,
      executor,
      owner,
      connectionOf: (host) => resolveConnection(host, lookupFor(host.labels), env),
      localEnv: { FLEETWAVE_CLI: `${process.execPath} ${FLEETWAVE_ENTRY}`, FLEETWAVE_DB: path.resolve(request.dbPath), ...(sshConfig ? { FLEETWAVE_SSH_CONFIG: sshConfig } : {}) },
      stopping: () => runner?.isStopping() ?? false,
      report: (progress) => request.onProgress?.(progress),
    };
    runner = new RolloutRunner(context, { pollMs: request.pollMs, heartbeatMs: Math.max(200, Math.floor(request.leaseTtlMs / 3)) });
    const interrupt = () => runner?.interrupt();
    if (request.stop?.aborted) interrupt();
    request.stop?.addEventListener('abort', interrupt, { once: true });
    try {
      const exit = await runner.run();
      const final = store.rollouts.find(request.name)!;
      const summary = summarize(store, request.name, final.status, final.reason, exit.stoppedBecause, tookOverFrom);
      // A rollout resumed after failures completes with those hosts rolled back: not a plain success.
      if (final.status === 'completed' && summary.failed.length > 0) {
        warnings.push(
          `rollout ${request.name} completed, but ${summary.failed.length} hosts are not on ${definition.spec.target}: they failed and were ${summary.failed.every((host) => host.status === 'rolled-back') ? 'rolled back' : 'not all rolled back'} (see the hosts that failed)`,
        );
      }
      return { ...summary, warnings };
    } finally {
      await executor.close();
      try {
        store.write(() => store.ledger.releaseLease(request.name, owner));
      } catch {
        // The database may be what failed; the lease then expires on its own.
      }
    }
  } finally {
    store.close();
  }
}
