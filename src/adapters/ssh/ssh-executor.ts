import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import PQueue from 'p-queue';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { judgeHostKey, type HostKeyVerdict, type TrustedKey } from '../../ssh/host-key-policy.js';
import { fingerprint, keyTypeOf, KnownHostsIndex, knownHostsName, parseKnownHosts } from '../../ssh/known-hosts.js';
import type { ConnectionSettings, JumpHost } from '../../ssh/connection-settings.js';
import type { CommandResult, RemoteError, RemoteErrorKind } from '../../ssh/command-result.js';
import { shellQuote } from '../../rollout/template.js';
import { sha256File } from '../system/sha256-file.js';
import type { HostTransport } from '../transport.js';
import { TailBuffer } from './tail-buffer.js';

export interface UploadResult {
  hostname: string;
  status: 'ok' | 'error';
  remotePath: string;
  sha256: string;
  error: RemoteError | null;
}

/** Pins live in the database; the executor only sees this small interface. */
export interface HostKeyStore {
  pinned(alias: string): TrustedKey[];
  pin(alias: string, key: { keyType: string; keyBase64: string; fingerprint: string }): void;
}

export interface SshExecutorOptions {
  concurrency: number;
  connectTimeoutMs: number;
  connectAttempts: number;
  commandTimeoutMs: number;
  outputCapBytes: number;
  acceptNew: boolean;
  hostKeys: HostKeyStore;
}

class RemoteFailure extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

const RETRYABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SSH transport. One connection per host, reused by every command of a run (channels, not
 * reconnects); a global concurrency limit; at most one operation per host at a time. Connection
 * failures are retried with backoff; a command that may have run is never retried.
 */
export class SshExecutor implements HostTransport {
  readonly kind = 'ssh';
  private readonly queue: PQueue;
  private readonly connections = new Map<string, Promise<Client>>();
  private readonly hostLocks = new Map<string, Promise<unknown>>();
  private readonly fileCache = new Map<string, string | null>();
  private readonly knownHostsCache = new Map<string, KnownHostsIndex | null>();

  constructor(private readonly options: SshExecutorOptions) {
    this.queue = new PQueue({ concurrency: options.concurrency });
  }

  /**
   * `timeoutMs` overrides the executor's command timeout for this command (a playbook step's own);
   * `stdin`, when given, is written to the command and closed (otherwise stdin stays open, as before).
   */
  run(settings: ConnectionSettings, command: string, options: { timeoutMs?: number; stdin?: string } = {}): Promise<CommandResult> {
    return this.exclusive(settings.hostname, async () => {
      const started = Date.now();
      try {
        const client = await this.connection(settings);
        return { hostname: settings.hostname, ...(await this.execOn(client, command, options.timeoutMs ?? this.options.commandTimeoutMs, options.stdin)), durationMs: Date.now() - started };
      } catch (error) {
        const failure = toFailure(error);
        if (failure.kind === 'dropped' || failure.kind === 'timeout') this.forget(settings.hostname);
        return {
          hostname: settings.hostname,
          status: 'error',
          exitCode: null,
          signal: null,
          stdout: '',
          stderr: '',
          stdoutTruncated: false,
          stderrTruncated: false,
          error: { kind: failure.kind, message: failure.message },
          durationMs: Date.now() - started,
        };
      }
    });
  }

  /**
   * Uploads over SFTP, then checks the file's sha256 on the far side against `expectedSha256`
   * (what was pinned when the rollout was planned) or, without one, the local file's.
   */
  upload(settings: ConnectionSettings, localPath: string, remotePath: string, expectedSha256?: string): Promise<UploadResult> {
    const sha256 = expectedSha256 ?? sha256File(localPath);
    return this.exclusive(settings.hostname, async () => {
      try {
        const client = await this.connection(settings);
        await sftpTransfer(client, 'upload', localPath, remotePath);
        const remote = await this.remoteSha256(client, remotePath);
        if (remote.sha256 !== sha256) {
          return {
            hostname: settings.hostname,
            status: 'error',
            remotePath,
            sha256,
            error: { kind: 'dropped', message: `checksum mismatch on the far side: expected ${sha256}, got ${remote.sha256 || remote.stderr}` },
          };
        }
        return { hostname: settings.hostname, status: 'ok', remotePath, sha256, error: null };
      } catch (error) {
        const failure = toFailure(error);
        return { hostname: settings.hostname, status: 'error', remotePath, sha256, error: { kind: failure.kind, message: failure.message } };
      }
    });
  }

  /**
   * Downloads over SFTP and checks the local copy against the far side's sha256 (read before the
   * transfer), so a truncated or altered copy is never taken for the file.
   */
  download(settings: ConnectionSettings, remotePath: string, localPath: string): Promise<UploadResult> {
    return this.exclusive(settings.hostname, async () => {
      let sha256 = '';
      try {
        const client = await this.connection(settings);
        const remote = await this.remoteSha256(client, remotePath);
        sha256 = remote.sha256;
        if (!sha256) {
          return { hostname: settings.hostname, status: 'error', remotePath, sha256, error: { kind: 'dropped', message: `cannot read ${remotePath} on the far side: ${remote.stderr}` } };
        }
        await sftpTransfer(client, 'download', localPath, remotePath);
        const localSum = sha256File(localPath);
        if (localSum !== sha256) {
          return { hostname: settings.hostname, status: 'error', remotePath, sha256, error: { kind: 'dropped', message: `checksum mismatch after the download: expected ${sha256}, got ${localSum}` } };
        }
        return { hostname: settings.hostname, status: 'ok', remotePath, sha256, error: null };
      } catch (error) {
        const failure = toFailure(error);
        return { hostname: settings.hostname, status: 'error', remotePath, sha256, error: { kind: failure.kind, message: failure.message } };
      }
    });
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled(this.connections.values());
    for (const client of clients) if (client.status === 'fulfilled') client.value.end();
    this.connections.clear();
  }

  /** Per-host lock first, then a global slot: a queued host never holds a slot while it waits. */
  private exclusive<T>(hostname: string, work: () => Promise<T>): Promise<T> {
    const previous = this.hostLocks.get(hostname) ?? Promise.resolve();
    const next = previous.then(() => this.queue.add(work)) as Promise<T>;
    this.hostLocks.set(
      hostname,
      next.catch(() => undefined),
    );
    return next;
  }

  private forget(hostname: string): void {
    const pending = this.connections.get(hostname);
    this.connections.delete(hostname);
    void pending?.then((client) => client.end()).catch(() => undefined);
  }

  private connection(settings: ConnectionSettings): Promise<Client> {
    let pending = this.connections.get(settings.hostname);
    if (!pending) {
      pending = this.connectWithRetries(settings);
      this.connections.set(settings.hostname, pending);
      pending.then(
        (client) => client.once('close', () => this.connections.get(settings.hostname) === pending && this.connections.delete(settings.hostname)),
        () => this.connections.delete(settings.hostname),
      );
    }
    return pending;
  }

  private async connectWithRetries(settings: ConnectionSettings): Promise<Client> {
    let lastError: RemoteFailure | null = null;
    for (let attempt = 1; attempt <= this.options.connectAttempts; attempt += 1) {
      try {
        return await this.connectChain(settings);
      } catch (error) {
        lastError = toFailure(error);
        if (!lastError.retryable) throw lastError;
        if (attempt < this.options.connectAttempts) await sleep(Math.min(2000, 200 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2));
      }
    }
    throw new RemoteFailure('unreachable', `${lastError?.message ?? 'unreachable'} (after ${this.options.connectAttempts} attempts)`);
  }

  /** ProxyJump a,b: connect to a, tunnel to b through it, then to the target through b. */
  private async connectChain(settings: ConnectionSettings): Promise<Client> {
    const hops: JumpHost[] = [...settings.jumps, settings];
    const opened: Client[] = [];
    try {
      let sock: Duplex | undefined;
      for (const [index, hop] of hops.entries()) {
        const client = await this.connectHop(hop, sock);
        opened.push(client);
        const next = hops[index + 1];
        if (next) sock = await forwardOut(client, next);
      }
      const target = opened.at(-1)!;
      // Jump connections live as long as the target's.
      target.once('close', () => opened.slice(0, -1).forEach((client) => client.end()));
      return target;
    } catch (error) {
      opened.forEach((client) => client.end());
      throw error;
    }
  }

  private connectHop(hop: JumpHost, sock: Duplex | undefined): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let verdict: HostKeyVerdict | null = null;
      let presented = '';
      const config: ConnectConfig = {
        host: hop.host,
        port: hop.port,
        username: hop.user,
        readyTimeout: this.options.connectTimeoutMs,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        authHandler: this.authMethods(hop) as ConnectConfig['authHandler'],
        hostVerifier: (key: Buffer) => {
          presented = fingerprint(key);
          const trusted = [...this.knownHostKeys(hop), ...this.options.hostKeys.pinned(hop.alias)];
          const offered = { keyType: keyTypeOf(key), keyBase64: key.toString('base64'), fingerprint: presented };
          verdict = judgeHostKey(offered, trusted, this.options.acceptNew);
          if (verdict.verdict === 'pin-new') this.options.hostKeys.pin(hop.alias, offered);
          return verdict.verdict === 'trusted' || verdict.verdict === 'pin-new';
        },
        ...(sock ? { sock } : {}),
      };
      let ready = false;
      client.once('ready', () => {
        ready = true;
        resolve(client);
      });
      // `on`, not `once`: ssh2 may emit several errors for one failure (a reset socket, then
      // "Connection lost before handshake"); an unheard second one would crash the process.
      // After `ready`, the close handlers report to whoever is waiting on this connection.
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        client.end();
        if (ready) return;
        if (verdict && verdict.verdict !== 'trusted' && verdict.verdict !== 'pin-new') return reject(hostKeyFailure(hop, presented, verdict));
        if (error.level === 'client-authentication') return reject(new RemoteFailure('auth', `${hop.user}@${hop.alias}: authentication failed (tried ${this.describeAuth(hop)})`));
        const retryable = error.level === 'client-timeout' || RETRYABLE_SOCKET_CODES.has(error.code ?? '');
        reject(new RemoteFailure('unreachable', `${hop.alias} (${hop.host}:${hop.port}): ${error.code ?? error.message}`, retryable));
      });
      client.connect(config);
    });
  }

  private authMethods(hop: JumpHost): object[] {
    const keys = hop.identityFiles.flatMap((file) => {
      const text = this.readCached(file);
      return text ? [{ type: 'publickey', username: hop.user, key: text }] : [];
    });
    return [...(hop.agentSocket ? [{ type: 'agent', username: hop.user, agent: hop.agentSocket }] : []), ...keys];
  }

  private describeAuth(hop: JumpHost): string {
    const keys = hop.identityFiles.filter((file) => this.readCached(file));
    const parts = [...(hop.agentSocket ? ['ssh-agent'] : []), ...keys];
    return parts.length > 0 ? parts.join(', ') : 'no identity: none of the IdentityFiles exist and no agent is set';
  }

  private knownHostKeys(hop: JumpHost): TrustedKey[] {
    const names = [knownHostsName(hop.alias, hop.port), knownHostsName(hop.host, hop.port)];
    return hop.knownHostsFiles.flatMap((file) => {
      if (!this.knownHostsCache.has(file)) {
        const text = this.readCached(file);
        this.knownHostsCache.set(file, text ? new KnownHostsIndex(parseKnownHosts(text, file)) : null);
      }
      return (this.knownHostsCache.get(file)?.lookup(names) ?? [])
        .filter((entry) => entry.marker !== '@cert-authority')
        .map((entry) => ({
          keyType: entry.keyType,
          keyBase64: entry.keyBase64,
          fingerprint: fingerprint(Buffer.from(entry.keyBase64, 'base64')),
          source: entry.source,
          revoked: entry.marker === '@revoked',
        }));
    });
  }

  private readCached(file: string): string | null {
    if (!this.fileCache.has(file)) {
      try {
        this.fileCache.set(file, readFileSync(file, 'utf8'));
      } catch {
        this.fileCache.set(file, null);
      }
    }
    return this.fileCache.get(file)!;
  }

  /** A file's sha256 as the far side's sha256sum computes it; empty when it could not be read. */
  private async remoteSha256(client: Client, remotePath: string): Promise<{ sha256: string; stderr: string }> {
    const check = await this.execOn(client, `sha256sum -- ${shellQuote(remotePath)}`);
    const sum = check.stdout.split(/\s+/)[0] ?? '';
    return { sha256: check.status === 'ok' && /^[0-9a-f]{64}$/.test(sum) ? sum : '', stderr: check.stderr.trim() };
  }

  private execOn(client: Client, command: string, timeoutMs = this.options.commandTimeoutMs, stdin?: string): Promise<Omit<CommandResult, 'hostname' | 'durationMs'>> {
    return new Promise((resolve, reject) => {
      const stdout = new TailBuffer(this.options.outputCapBytes);
      const stderr = new TailBuffer(this.options.outputCapBytes);
      let exitCode: number | null = null;
      let signal: string | null = null;
      let settled = false;
      let channel: ClientChannel | null = null;
      const onDrop = () => finish(new RemoteFailure('dropped', 'the connection dropped while the command ran: it may or may not have completed'));
      const timer = setTimeout(() => {
        channel?.close();
        finish(new RemoteFailure('timeout', `the command ran longer than ${timeoutMs} ms and was abandoned; it may still be running`));
      }, timeoutMs);
      const finish = (failure: RemoteFailure | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.off('close', onDrop);
        if (failure) return reject(failure);
        resolve({
          status: exitCode === 0 && signal === null ? 'ok' : 'failed',
          exitCode,
          signal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          stdoutTruncated: stdout.truncated,
          stderrTruncated: stderr.truncated,
          error: null,
        });
      };
      client.once('close', onDrop);
      client.exec(command, (error, stream) => {
        if (error) return finish(new RemoteFailure('dropped', `could not open a channel: ${error.message}`));
        channel = stream;
        if (stdin !== undefined) stream.end(stdin);
        stream.on('error', (streamError: Error) => finish(new RemoteFailure('dropped', `the channel failed: ${streamError.message}`)));
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('exit', (code: number | null, signalName?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          signal = signalName ?? null;
        });
        stream.on('close', () => {
          if (exitCode === null && signal === null) return finish(new RemoteFailure('dropped', 'the channel closed without an exit status: the command may or may not have completed'));
          finish(null);
        });
      });
    });
  }
}

/** One file over SFTP, either way, on the host's pooled connection. */
function sftpTransfer(client: Client, direction: 'upload' | 'download', localPath: string, remotePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.sftp((error, sftp) => {
      if (error) return reject(new RemoteFailure('dropped', `sftp: ${error.message}`));
      const done = (transferError: Error | null | undefined) => {
        sftp.end();
        if (transferError) reject(new RemoteFailure('dropped', `sftp ${direction === 'upload' ? 'upload to' : 'download of'} ${remotePath}: ${transferError.message}`));
        else resolve();
      };
      if (direction === 'upload') sftp.fastPut(localPath, remotePath, done);
      else sftp.fastGet(remotePath, localPath, done);
    });
  });
}

function forwardOut(client: Client, next: JumpHost): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, next.host, next.port, (error, stream) => {
      if (error) reject(new RemoteFailure('unreachable', `jump to ${next.alias} (${next.host}:${next.port}) refused: ${error.message}`, true));
      else resolve(stream);
    });
  });
}

function hostKeyFailure(hop: JumpHost, presented: string, verdict: HostKeyVerdict): RemoteFailure {
  switch (verdict.verdict) {
    case 'mismatch':
      return new RemoteFailure(
        'host-key',
        `HOST KEY MISMATCH for ${hop.alias} (${hop.host}:${hop.port}): it presented ${presented}, expected ${verdict.expected.map((key) => `${key.fingerprint} (${key.source})`).join(' or ')}. Refusing to connect: this may be an attack or a reinstalled host; clear the old key only after checking.`,
      );
    case 'revoked':
      return new RemoteFailure('host-key', `${hop.alias} presented a revoked key ${presented} (${verdict.source})`);
    default:
      return new RemoteFailure('host-key', `${hop.alias} (${hop.host}:${hop.port}) has an unknown host key ${presented}; add it to known_hosts or use --accept-new to pin it on first contact`);
  }
}

function toFailure(error: unknown): RemoteFailure {
  return error instanceof RemoteFailure ? error : new RemoteFailure('dropped', (error as Error).message);
}
