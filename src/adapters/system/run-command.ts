import { execFileSync } from 'node:child_process';
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
