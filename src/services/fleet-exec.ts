import { currentActor } from '../adapters/actor.js';
import type { Actor } from '../audit/event.js';
import type { Clock } from '../adapters/clock.js';
import { localEnvironment, sshConfigLookups } from '../adapters/ssh/ssh-config-files.js';
import { SshExecutor } from '../adapters/ssh/ssh-executor.js';
import type { CommandResult } from '../ssh/command-result.js';
import { openStore, type Store } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import type { Host } from '../fleet/host.js';
import { compileSelector } from '../fleet/selector.js';
import { resolveConnection, type ConnectionSettings } from '../ssh/connection-settings.js';
import { groupResults, type ResultGroup } from '../ssh/group-results.js';

export interface SshRunOptions {
  sshConfig?: string;
  concurrency: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  outputCapBytes: number;
  acceptNew: boolean;
}

export interface FleetExecRequest extends SshRunOptions {
  dbPath: string;
  where?: string;
  command: string;
  reason?: string;
  clock: Clock;
  onProgress?: (done: number, total: number, failed: number) => void;
}

export interface FleetExecResult {
  command: string;
  hosts: number;
  ok: number;
  failed: number;
  errors: number;
  groups: ResultGroup[];
  results: CommandResult[];
}

/** An executor wired to this database's host-key pins: each pin commits with its audit event, at the run's clock. */
export function openExecutor(context: RemoteRunContext, options: SshRunOptions): SshExecutor {
  const { store, actor, now } = context;
  return new SshExecutor({
    concurrency: options.concurrency,
    connectTimeoutMs: options.connectTimeoutMs,
    connectAttempts: 3,
    commandTimeoutMs: options.commandTimeoutMs,
    outputCapBytes: options.outputCapBytes,
    acceptNew: options.acceptNew,
    hostKeys: {
      pinned: (alias) => store.hostKeys.pinned(alias),
      pin: (alias, key) =>
        store.write(() => {
          const at = now();
          store.hostKeys.pin(alias, key, at);
          store.events.append([{ subject: `host:${alias}`, host: alias, action: 'host.key-pinned', details: { fingerprint: key.fingerprint } }], actor, at);
        }),
    },
  });
}

export function selectTargets(store: Store, where: string | undefined): Host[] {
  const matches = compileSelector(where ?? '');
  const hosts = store.hosts.all().filter(matches);
  if (hosts.length === 0) {
    throw new FleetwaveError('NO_HOSTS_SELECTED', where ? `no host matches ${JSON.stringify(where)}` : 'the fleet is empty', {
      suggestions: ['See what a selector matches with: fleetwave fleet list --where SELECTOR'],
    });
  }
  return hosts;
}

/** The named hosts, in the order given; every name the fleet lacks is named in one error. */
export function hostsByName(store: Store, hostnames: readonly string[]): Host[] {
  const unknown = hostnames.filter((hostname) => !store.hosts.find(hostname));
  if (unknown.length > 0) throw new FleetwaveError('HOST_NOT_FOUND', `not in the fleet: ${unknown.join(', ')}`, { suggestions: ['See the fleet with: fleetwave fleet list'] });
  return hostnames.map((hostname) => store.hosts.find(hostname)!);
}

export interface RemoteRunContext {
  store: Store;
  actor: Actor;
  now: () => string;
}

/**
 * The fleet database opened for a command that works on hosts over SSH, with the actor and clock
 * its audit events carry; closed when `work` ends, however it ends.
 */
export async function withRemoteContext<T>(request: { dbPath: string; reason?: string; clock: Clock }, work: (context: RemoteRunContext) => Promise<T>): Promise<T> {
  const store = openStore({ path: request.dbPath, create: false });
  try {
    return await work({ store, actor: currentActor(request.reason), now: () => request.clock.now().toISOString() });
  } finally {
    store.close();
  }
}

/**
 * One pooled executor for a batch of hosts (pins audited as they happen), each host's connection
 * resolved as OpenSSH would; closed when `work` ends, however it ends.
 */
export async function withExecutor<T>(context: RemoteRunContext, options: SshRunOptions, work: (executor: SshExecutor, connectionOf: (host: Host) => ConnectionSettings) => Promise<T>): Promise<T> {
  const env = localEnvironment();
  const lookupFor = sshConfigLookups(options.sshConfig, env, context.store.labs.sshConfigs());
  const executor = openExecutor(context, options);
  try {
    return await work(executor, (host) => resolveConnection(host, lookupFor(host.labels), env));
  } finally {
    await executor.close();
  }
}

/**
 * Runs one command on every host through one executor (pooled connections, pins audited as they
 * happen) and reports progress. Shared by `fleet exec` and `fleet probe`.
 */
export async function runOnHosts(
  context: RemoteRunContext,
  hosts: readonly Host[],
  command: string,
  options: SshRunOptions & { onProgress?: (done: number, total: number, failed: number) => void },
): Promise<CommandResult[]> {
  let done = 0;
  let failed = 0;
  return withExecutor(context, options, (executor, connectionOf) =>
    Promise.all(
      hosts.map(async (host) => {
        const result = await executor.run(connectionOf(host), command);
        done += 1;
        if (result.status !== 'ok') failed += 1;
        options.onProgress?.(done, hosts.length, failed);
        return result;
      }),
    ),
  );
}

export async function execOnFleet(request: FleetExecRequest): Promise<FleetExecResult> {
  // Held open across the run (not withStore): pins and audit events are written as hosts answer.
  return withRemoteContext(request, async (context) => {
    const { store } = context;
    const hosts = selectTargets(store, request.where);
    store.write(() =>
      store.events.append(
        [{ subject: 'fleet', action: 'fleet.exec-started', details: { command: request.command, selector: request.where ?? null, hosts: hosts.length } }],
        context.actor,
        context.now(),
      ),
    );
    const results = await runOnHosts(context, hosts, request.command, request);
    store.write(() =>
      store.events.append(
        results.map((result) => ({
          subject: `host:${result.hostname}`,
          host: result.hostname,
          action: 'host.exec',
          details: { command: request.command, status: result.status, exitCode: result.exitCode, signal: result.signal, error: result.error, durationMs: result.durationMs },
        })),
        context.actor,
        context.now(),
      ),
    );
    return {
      command: request.command,
      hosts: hosts.length,
      ok: results.filter((result) => result.status === 'ok').length,
      failed: results.filter((result) => result.status === 'failed').length,
      errors: results.filter((result) => result.status === 'error').length,
      groups: groupResults(results),
      results,
    };
  });
}
