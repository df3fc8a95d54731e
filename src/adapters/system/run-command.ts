import { execFile, execFileSync, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { BugError } from '../../errors.js';

/** Runs a local program and returns stdout; a failure names the command and its stderr. */
export function runCommand(program: string, args: readonly string[], options: { input?: string } = {}): string {
  try {
    return execFileSync(program, args, { encoding: 'utf8', input: options.input ?? '', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stderr?: string; status?: number; message: string };
    throw new CommandFailedError(`${program} ${args.join(' ')}`, failure.status ?? null, (failure.stderr ?? failure.message).trim());
  }
}

export class CommandFailedError extends BugError {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${stderr}`);
    this.name = 'CommandFailedError';
  }
}

export function commandExists(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ProcessOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs a local program without blocking the event loop; a deadline kills it. Never throws for exit status. */
export function runProcess(program: string, args: readonly string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    execFile(program, args, { encoding: 'utf8', timeout: options.timeoutMs, env: { ...process.env, ...options.env }, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: string }) | null;
      const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
      resolve({ code, signal: failure?.signal ?? null, stdout, stderr: failure && code === null && !failure.signal ? `${stderr}${failure.message}` : stderr });
    });
  });
}

/**
 * Runs a long program (git, make), appending everything it prints to a log file and handing each
 * line to `onLine` as it comes. Resolves with the exit code; never throws for a non-zero exit.
 */
export function runStreaming(
  program: string,
  args: readonly string[],
  options: { cwd: string; log: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    appendFileSync(options.log, `\n$ ${program} ${args.join(' ')}   (in ${options.cwd})\n`);
    const child = spawn(program, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let pending = '';
    const take = (chunk: Buffer) => {
      appendFileSync(options.log, chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => {
      appendFileSync(options.log, `${error.message}\n`);
      resolve({ code: null, tail: [...tail, error.message] });
    });
    child.on('close', (code) => resolve({ code, tail: pending ? [...tail, pending] : tail }));
  });
}
