/**
 * The floor for `fleet exec -- true`: the least a Node.js program can do to run `true` on every
 * host, with the same libraries fleetwave uses (ssh2 and p-queue) and nothing else: no inventory,
 * no database, no audit trail, no host key check, no output handling. bench:exec times it beside
 * fleetwave and the peers, so the README shows fleetwave's distance to the floor.
 *
 *   node dist/bench/floor-exec.js SSH_CONFIG CONCURRENCY HOST...
 */
import { readFileSync } from 'node:fs';
import PQueue from 'p-queue';
import { Client } from 'ssh2';

const [sshConfig, concurrencyText, ...hostnames] = process.argv.slice(2);
if (!sshConfig || !concurrencyText || hostnames.length === 0) throw new Error('usage: floor-exec SSH_CONFIG CONCURRENCY HOST...');

// The lab's config: one `Host NAME` block per host (HostName, Port), then a wildcard block (User, IdentityFile).
const blocks = new Map<string, Record<string, string>>();
let current: Record<string, string> = {};
for (const line of readFileSync(sshConfig, 'utf8').split('\n')) {
  const [key, value] = line.trim().split(/\s+/, 2);
  if (!key || key.startsWith('#') || value === undefined) continue;
  if (key === 'Host') blocks.set(value, (current = {}));
  else current[key] = value;
}
const common = [...blocks.entries()].find(([pattern]) => pattern.includes('*'))?.[1] ?? {};
const privateKey = readFileSync(common.IdentityFile!);

function runTrue(hostname: string): Promise<void> {
  const block = blocks.get(hostname) ?? {};
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () =>
        client.exec('true', (error, stream) => {
          if (error) return reject(error);
          stream.on('close', () => {
            client.end();
            resolve();
          });
          stream.resume();
          stream.stderr.resume();
        }),
      )
      .on('error', reject)
      .connect({ host: block.HostName ?? hostname, port: Number(block.Port ?? 22), username: common.User ?? 'root', privateKey });
  });
}

const queue = new PQueue({ concurrency: Number(concurrencyText) });
await Promise.all(hostnames.map((hostname) => queue.add(() => runTrue(hostname))));
