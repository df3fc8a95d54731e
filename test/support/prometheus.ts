import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const PROMETHEUS = '/usr/bin/prometheus';

/** The tests install Debian's prometheus themselves when it is missing, as CI starts from a clean machine. */
export function ensurePrometheus(): void {
  if (existsSync(PROMETHEUS)) return;
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', 'prometheus'],
  ]) {
    const result = spawnSync('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: ${result.stderr}`);
  }
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A small exporter the test controls: one gauge whose value the test sets. */
export async function startExporter(metric: string): Promise<{ port: number; set(value: number): void; close(): Promise<void> }> {
  let value = 0;
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`# TYPE ${metric} gauge\n${metric} ${value}\n`);
  });
  const port = await listen(server);
  return { port, set: (next) => (value = next), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A real Prometheus on loopback scraping the exporter every second, with its own storage. */
export async function startPrometheus(dir: string, exporterPort: number): Promise<{ url: string; process: ChildProcess; stop(): void }> {
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: fleetwave-test\n    static_configs:\n      - targets: ['127.0.0.1:${exporterPort}']\n`,
  );
  const port = await freePort();
  const child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('prometheus did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, process: child, stop: () => child.kill('SIGTERM') };
}

/** Waits until Prometheus answers the query with the expected value (it has scraped it). */
export async function waitForValue(url: string, query: string, expected: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
    if (answer.data?.result?.some((series) => Number(series.value[1]) === expected)) return;
    if (Date.now() > deadline) throw new Error(`prometheus never saw ${query} = ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
