/**
 * The one error type users see. Every code maps to exactly one exit code in EXIT_CODES,
 * so scripts can branch on the exit status and on `error.code` in the --json envelope.
 */
export const EXIT_CODES = {
  ok: 0,
  bug: 1,
  usage: 2,
  invalidInput: 3,
  notFound: 4,
  conflict: 5,
  auditBroken: 6,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

const ERROR_CODES = {
  USAGE: EXIT_CODES.usage,
  INVENTORY_INVALID: EXIT_CODES.invalidInput,
  INVENTORY_UNREADABLE: EXIT_CODES.invalidInput,
  SELECTOR_INVALID: EXIT_CODES.invalidInput,
  TIME_INVALID: EXIT_CODES.invalidInput,
  DB_NOT_FOUND: EXIT_CODES.notFound,
  HOST_NOT_FOUND: EXIT_CODES.notFound,
  DB_UNREADABLE: EXIT_CODES.conflict,
  SCHEMA_TOO_NEW: EXIT_CODES.conflict,
  SCHEMA_DRIFT: EXIT_CODES.conflict,
  AUDIT_CHAIN_BROKEN: EXIT_CODES.auditBroken,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FleetwaveErrorOptions {
  suggestions?: string[];
  /** Structured detail for --json consumers, e.g. every bad inventory row. */
  details?: unknown;
}

/** A problem the user can fix. Rendered without a stack trace. */
export class FleetwaveError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly suggestions: string[];
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: FleetwaveErrorOptions = {}) {
    super(message);
    this.name = 'FleetwaveError';
    this.code = code;
    this.exitCode = ERROR_CODES[code];
    this.suggestions = options.suggestions ?? [];
    this.details = options.details;
  }
}

/** A broken invariant inside fleetwave: never the user's fault, always worth a report. */
export class BugError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BugError';
  }
}
