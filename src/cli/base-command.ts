import { Command, Flags, type Interfaces } from '@oclif/core';
import { BugError, FleetwaveError } from '../errors.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { progressFor, screenWriter, type Progress, type ProgressMode } from './progress.js';
import { terminalSafe } from './terminal-safe.js';

// oclif's own parser types are keyed by `any`; these mirror them so `parse` can be wrapped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FlagOutput = { [name: string]: any };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ArgOutput = { [name: string]: any };
type Input<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput> = Interfaces.Input<F, B, A>;
type ParserOutput<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput> = Interfaces.ParserOutput<F, B, A>;

interface FailureView {
  exitCode: number;
  code: string;
  message: string;
  suggestions: string[];
  details?: unknown;
  stack?: string;
}

/**
 * Every fleetwave command extends this. A command returns a plain result object;
 * this class prints it (human text via `output`, or the {status, result, warnings}
 * envelope under --json) and is the only place that renders errors and picks exit codes.
 */
export abstract class FleetwaveCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    db: Flags.string({
      summary: 'Path of the SQLite state file.',
      env: 'FLEETWAVE_DB',
      default: 'fleetwave.db',
      helpGroup: 'GLOBAL',
    }),
  };

  private readonly warnings: string[] = [];
  private exitStatus: number = EXIT_CODES.ok;
  /** Set once a watch has streamed its readings as NDJSON: the final envelope is not printed again. */
  private streamed = false;

  /** Progress for people, by the one policy (src/cli/progress.ts): commands never write it themselves. */
  protected progress(mode: ProgressMode): Progress {
    return progressFor(mode, this.jsonEnabled(), process.stderr);
  }

  /**
   * Reads a view until `finished`, every `intervalMs`: under --json each reading is one line of
   * NDJSON on stdout (the usual envelope, compact); for people, screens redrawn in place on a
   * terminal, one after another otherwise. Returns the last reading.
   */
  protected async watch<T>(read: () => T, render: (reading: T) => string, finished: (reading: T) => boolean, intervalMs = 1000): Promise<T> {
    const screen = screenWriter(process.stdout);
    for (;;) {
      const reading = read();
      if (this.jsonEnabled()) {
        process.stdout.write(`${JSON.stringify(this.toSuccessJson(reading))}\n`);
        this.streamed = true;
      } else {
        screen(render(reading));
      }
      if (finished(reading)) return reading;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** For results that are not errors but must not exit 0, e.g. some hosts failed (exit 7). */
  protected setExitStatus(status: number): void {
    this.exitStatus = status;
    process.exitCode = status;
  }

  /** Human rendering happens here so that commands never print directly. */
  protected output<T>(result: T, renderHuman: (result: T) => string): T {
    if (!this.jsonEnabled()) {
      const text = terminalSafe(renderHuman(result));
      if (text.length > 0) this.log(text);
    }
    return result;
  }

  /** Warnings go to stderr for people and into the envelope for machines. */
  protected addWarnings(warnings: readonly string[]): void {
    for (const warning of warnings) {
      this.warnings.push(warning);
      if (!this.jsonEnabled()) process.stderr.write(`Warning: ${terminalSafe(warning)}\n`);
    }
  }

  /**
   * Anything the argument parser refuses is a usage error, whatever oclif throws for it (a value
   * that is not an integer arrives as a plain Error): never an internal error.
   */
  protected override async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(options?: Input<F, B, A>, argv?: string[]): Promise<ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv);
    } catch (error) {
      if (error instanceof FleetwaveError || (error as { oclif?: { exit?: number } }).oclif?.exit !== undefined) throw error;
      throw new FleetwaveError('USAGE', stripAnsi((error as Error).message), { suggestions: ['Run the command with --help to see its arguments, flags and examples.'] });
    }
  }

  protected override toSuccessJson(result: unknown): unknown {
    return { status: this.exitStatus, result, warnings: this.warnings };
  }

  protected override logJson(json: unknown): void {
    if (this.streamed) return;
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    const failure = describeFailure(error);
    process.exitCode = failure.exitCode;
    if (this.jsonEnabled()) {
      this.logJson({
        status: failure.exitCode,
        error: { code: failure.code, message: failure.message, suggestions: failure.suggestions, details: failure.details },
        warnings: this.warnings,
      });
      return;
    }
    const lines = [`Error [${failure.code}]: ${failure.message}`];
    for (const suggestion of failure.suggestions) lines.push(`  Try this: ${suggestion}`);
    if (failure.stack) lines.push(failure.stack);
    process.stderr.write(`${terminalSafe(lines.join('\n'))}\n`);
  }
}

function describeFailure(error: Error & { oclif?: { exit?: number } }): FailureView {
  if (error instanceof FleetwaveError) {
    return {
      exitCode: exitCodeFor(error.code),
      code: error.code,
      message: error.message,
      suggestions: error.suggestions,
      details: error.details,
    };
  }
  // oclif's own parse errors (unknown flag, missing argument) carry their exit code.
  if (error.oclif?.exit !== undefined && !(error instanceof BugError)) {
    if (error.oclif.exit === 0) return { exitCode: 0, code: 'OK', message: '', suggestions: [] };
    return {
      exitCode: EXIT_CODES.usage,
      code: 'USAGE',
      message: stripAnsi(error.message),
      suggestions: ['Run the command with --help to see its flags and examples.'],
    };
  }
  const debug = process.env.FLEETWAVE_DEBUG === '1';
  return {
    exitCode: EXIT_CODES.bug,
    code: 'INTERNAL',
    message: `fleetwave hit an internal error: ${error.message}`,
    suggestions: ['This is a bug in fleetwave. Re-run with FLEETWAVE_DEBUG=1 for a stack trace and report it.'],
    ...(debug && error.stack ? { stack: error.stack } : {}),
  };
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
