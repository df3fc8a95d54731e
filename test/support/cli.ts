import { spawnSync } from 'node:child_process';
import { CLI, REPO_ROOT } from './paths.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `fleetwave` binary exactly as a user would, in a clean environment. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...options.env },
    input: options.input ?? '',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs with --json and parses the envelope; a non-JSON stdout fails the test loudly. */
export function runCliJson<T = unknown>(args: string[], options: Parameters<typeof runCli>[1] = {}): CliRun & { json: { status: number; result: T; warnings: string[]; error?: { code: string; message: string; suggestions: string[]; details: unknown } } } {
  // Everything after `--` belongs to the remote command, so --json goes before it.
  const separator = args.indexOf('--');
  const withJson = separator === -1 ? [...args, '--json'] : [...args.slice(0, separator), '--json', ...args.slice(separator)];
  const run = runCli(withJson, options);
  try {
    return { ...run, json: JSON.parse(run.stdout) };
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
