import { terminalSafe } from './terminal-safe.js';

/**
 * The one progress policy, applied by the base command for every command that reports progress:
 *   - auto (the default): live progress on stderr only when stderr is a terminal and the command
 *     is not under --json; nothing otherwise, so pipes, logs and JSON consumers get only results;
 *   - lines: plain lines on stderr wherever it goes (for a log or a supervisor), no escapes;
 *   - none: nothing.
 * Only this module writes terminal escapes.
 */
export const PROGRESS_MODES = ['auto', 'lines', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface Progress {
  /** True when a person watches a terminal: a status line is redrawn in place. */
  readonly live: boolean;
  /** A line that stays: an event. */
  line(text: string): void;
  /** The one line a terminal redraws in place (counts, a compiler's latest output); dropped unless live. */
  status(text: string): void;
  /** Ends the status line, keeping what it last said. */
  end(): void;
}

const CLEAR_LINE = '\r\u001b[2K';
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

const SILENT: Progress = { live: false, line: () => undefined, status: () => undefined, end: () => undefined };

export function progressFor(mode: ProgressMode, json: boolean, stream: NodeJS.WriteStream): Progress {
  if (mode === 'none' || (mode === 'auto' && (json || stream.isTTY !== true))) return SILENT;
  if (mode === 'lines') return { live: false, line: (text) => stream.write(`${terminalSafe(text)}\n`), status: () => undefined, end: () => undefined };
  let status = '';
  const width = () => Math.max((stream.columns ?? 100) - 1, 20);
  return {
    live: true,
    line: (text) => stream.write(`${CLEAR_LINE}${terminalSafe(text)}\n${status}`),
    status: (text) => {
      const next = terminalSafe(text).slice(0, width());
      if (next === status) return;
      status = next;
      stream.write(`${CLEAR_LINE}${status}`);
    },
    end: () => {
      if (status !== '') stream.write('\n');
      status = '';
    },
  };
}

/** Screens of a watched view (`rollout status --watch`): redrawn in place on a terminal, one after another otherwise. */
export function screenWriter(stream: NodeJS.WriteStream): (screen: string) => void {
  const tty = stream.isTTY === true;
  return (screen) => stream.write(tty ? `${CLEAR_SCREEN}${terminalSafe(screen)}\n` : `${terminalSafe(screen)}\n\n`);
}
