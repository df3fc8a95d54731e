import { Help, type Command } from '@oclif/core';
import { exitCodeTable } from './exit-codes.js';

/**
 * oclif's help with an ERROR CODES section on every command, generated from the one exit-code
 * table (src/cli/exit-codes.ts): help prose never restates exit statuses.
 */
export default class FleetwaveHelp extends Help {
  protected override formatCommand(command: Command.Loadable): string {
    return `${super.formatCommand(command)}\n\n${errorCodesSection()}`;
  }
}

export function errorCodesSection(): string {
  const rows = exitCodeTable().map((row) => `  ${String(row.exit).padEnd(2)} ${row.meaning}${row.codes.length > 0 ? `\n       ${row.codes.join(', ')}` : ''}`);
  return `ERROR CODES (exit status, then the error codes --json reports for it)\n${rows.join('\n')}`;
}
