import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../adapters/clock.js';
import { NODE_FILES_DIR } from '../paths.js';
import { hostsByName, withExecutor, withRemoteContext, type SshRunOptions } from './fleet-exec.js';

/** The node-side script, sent over SSH on stdin: nothing needs to be installed on the node. */
const DUMP_SCRIPT = path.join(NODE_FILES_DIR, 'fleetwave-debug-dump');
/** What the script prints as the archive's path; anything else is refused (never deleted, never fetched). */
const REMOTE_ARCHIVE = /^(\/var\/tmp\/fleetwave-debug\.[A-Za-z0-9]{6})\/fleetwave-debug-[A-Za-z0-9._-]+\.tar\.gz$/;

export interface DebugDumpRequest extends SshRunOptions {
  dbPath: string;
  hostnames: string[];
  outDir: string;
  reason?: string;
  clock: Clock;
}

export interface DebugDumpResult {
  outDir: string;
  hosts: Array<{ hostname: string; path: string | null; sha256: string | null; bytes: number | null; error: string | null }>;
}

/** A local file name from a hostname: only letters, digits, ".", "_" and "-", never a path. */
export function dumpFileName(hostname: string, remoteName: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `${safe(hostname)}--${safe(path.basename(remoteName))}`;
}

/**
 * `debug dump`: one archive per host (links, addresses and routes of the node and its pods, bpftool
 * views, pinned map contents, the kernel config lines that matter, the fallback log, the recent
 * kernel log), fetched into OUT, its sha256 checked against the node's and recorded in the audit
 * trail, and the node's copy removed.
 */
export async function debugDump(request: DebugDumpRequest): Promise<DebugDumpResult> {
  return withRemoteContext(request, async (context) => {
    const { store, actor, now } = context;
    const hosts = hostsByName(store, request.hostnames);
    mkdirSync(request.outDir, { recursive: true });
    const script = readFileSync(DUMP_SCRIPT, 'utf8');
    const results: DebugDumpResult['hosts'] = await withExecutor(context, request, (executor, connectionOf) =>
      Promise.all(
        hosts.map(async (host) => {
          const settings = connectionOf(host);
          const ran = await executor.run(settings, 'sh -s', { stdin: script });
          const remote = ran.stdout.trim().split('\n').at(-1) ?? '';
          const match = REMOTE_ARCHIVE.exec(remote);
          if (ran.status !== 'ok' || !match) {
            return {
              hostname: host.hostname,
              path: null,
              sha256: null,
              bytes: null,
              error: ran.error ? `${ran.error.kind}: ${ran.error.message}` : `the dump script failed (exit ${ran.exitCode}): ${ran.stderr.trim().split('\n').at(-1) ?? ''}`,
            };
          }
          const local = path.join(request.outDir, dumpFileName(host.hostname, remote));
          const fetched = await executor.download(settings, remote, local);
          await executor.run(settings, `rm -rf -- '${match[1]}'`);
          if (fetched.status !== 'ok') return { hostname: host.hostname, path: null, sha256: null, bytes: null, error: fetched.error?.message ?? 'download failed' };
          return { hostname: host.hostname, path: local, sha256: fetched.sha256, bytes: statSync(local).size, error: null };
        }),
      ),
    );
    store.write(() =>
      store.events.append(
        results.map((result) => ({
          subject: `host:${result.hostname}`,
          host: result.hostname,
          action: result.error ? 'host.debug-dump-failed' : 'host.debug-dumped',
          details: { path: result.path ? path.resolve(result.path) : null, sha256: result.sha256, bytes: result.bytes, error: result.error },
        })),
        actor,
        now(),
      ),
    );
    return { outDir: request.outDir, hosts: results };
  });
}
