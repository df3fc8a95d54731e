import { spawn, spawnSync } from 'node:child_process';
import { CLI, REPO_ROOT } from './paths.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `fleetwave` binary exactly as a user would, in a clean environment. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...options.env },
    input: options.input ?? '',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

type JsonEnvelope<T> = { status: number; result: T; warnings: string[]; error?: { code: string; message: string; suggestions: string[]; details: unknown } };

/** Everything after `--` belongs to the remote command, so --json goes before it. */
function withJsonFlag(args: string[]): string[] {
  const separator = args.indexOf('--');
  return separator === -1 ? [...args, '--json'] : [...args.slice(0, separator), '--json', ...args.slice(separator)];
}

function parseEnvelope<T>(run: CliRun): CliRun & { json: JsonEnvelope<T> } {
  try {
    return { ...run, json: JSON.parse(run.stdout) as JsonEnvelope<T> };
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/** Runs with --json and parses the envelope; a non-JSON stdout fails the test loudly. */
export function runCliJson<T = unknown>(args: string[], options: Parameters<typeof runCli>[1] = {}): CliRun & { json: JsonEnvelope<T> } {
  return parseEnvelope<T>(runCli(withJsonFlag(args), options));
}

/** Like runCliJson, without blocking the test's event loop (for tests that serve something themselves). */
export function runCliJsonAsync<T = unknown>(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliRun & { json: JsonEnvelope<T> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...withJsonFlag(args)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(parseEnvelope<T>({ code: code ?? -1, stdout, stderr }));
      } catch (error) {
        reject(error);
      }
    });
  });
}
