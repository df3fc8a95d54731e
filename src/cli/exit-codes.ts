import type { ErrorCode } from '../errors.js';

/** The documented exit statuses (README, "Output, errors and exit codes"). Nothing else picks one. */
export const EXIT_CODES = {
  ok: 0,
  bug: 1,
  usage: 2,
  invalidInput: 3,
  notFound: 4,
  conflict: 5,
  auditBroken: 6,
  /** The command ran, but some hosts failed or could not be reached: the result says which. */
  hostsFailed: 7,
  /** A rollout stopped short: halted by a gate or spent budget, or rolled back. An operator must look. */
  rolloutStopped: 8,
  /** A kernel build stopped: a series conflict, a dropped config symbol, a uapi mismatch, a failed make. */
  buildFailed: 9,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Exhaustive: a new error code does not compile until it is given an exit status here. */
const EXIT_CODE_BY_ERROR: Record<ErrorCode, ExitCode> = {
  USAGE: EXIT_CODES.usage,
  INVENTORY_INVALID: EXIT_CODES.invalidInput,
  INVENTORY_UNREADABLE: EXIT_CODES.invalidInput,
  SELECTOR_INVALID: EXIT_CODES.invalidInput,
  TIME_INVALID: EXIT_CODES.invalidInput,
  DB_NOT_FOUND: EXIT_CODES.notFound,
  HOST_NOT_FOUND: EXIT_CODES.notFound,
  DB_UNREADABLE: EXIT_CODES.conflict,
  DB_READ_ONLY: EXIT_CODES.conflict,
  DB_BUSY: EXIT_CODES.conflict,
  SCHEMA_TOO_NEW: EXIT_CODES.conflict,
  SCHEMA_DRIFT: EXIT_CODES.conflict,
  AUDIT_CHAIN_BROKEN: EXIT_CODES.auditBroken,
  LAB_UNAVAILABLE: EXIT_CODES.conflict,
  LAB_EXISTS: EXIT_CODES.conflict,
  LAB_NOT_FOUND: EXIT_CODES.notFound,
  LAB_SETUP_FAILED: EXIT_CODES.conflict,
  LAB_DIR_IN_USE: EXIT_CODES.conflict,
  LAB_STATE_INVALID: EXIT_CODES.conflict,
  SSH_CONFIG_INVALID: EXIT_CODES.invalidInput,
  NO_HOSTS_SELECTED: EXIT_CODES.notFound,
  SPEC_INVALID: EXIT_CODES.invalidInput,
  ROLLOUT_EXISTS: EXIT_CODES.conflict,
  ROLLOUT_NOT_FOUND: EXIT_CODES.notFound,
  ROLLOUT_STATE: EXIT_CODES.conflict,
  PLAYBOOK_INVALID: EXIT_CODES.invalidInput,
  SPEC_CHANGED: EXIT_CODES.conflict,
  ROLLOUT_RUNNING: EXIT_CODES.conflict,
  LEASE_LOST: EXIT_CODES.conflict,
  ROLLOUT_HALTED: EXIT_CODES.rolloutStopped,
  FROZEN: EXIT_CODES.conflict,
  HOSTS_LOCKED: EXIT_CODES.conflict,
  SERIES_INVALID: EXIT_CODES.invalidInput,
  KERNEL_SOURCE_INVALID: EXIT_CODES.invalidInput,
  SERIES_CONFLICT: EXIT_CODES.buildFailed,
  CONFIG_DROPPED: EXIT_CODES.buildFailed,
  UAPI_MISMATCH: EXIT_CODES.buildFailed,
  KERNEL_BUILD_FAILED: EXIT_CODES.buildFailed,
  KERNEL_BUILD_NOT_FOUND: EXIT_CODES.notFound,
  ACL_INVALID: EXIT_CODES.invalidInput,
  OUTPUT_EXISTS: EXIT_CODES.conflict,
};

export function exitCodeFor(code: ErrorCode): ExitCode {
  return EXIT_CODE_BY_ERROR[code];
}

/** What each exit status means, in the words `--help` and the README use. */
const EXIT_MEANINGS: Record<ExitCode, string> = {
  0: 'success',
  1: 'internal error (a bug in fleetwave)',
  2: 'usage: unknown flag, missing argument, bad option value',
  3: 'invalid input',
  4: 'not found',
  5: 'state conflict',
  6: 'the audit trail failed verification',
  7: 'the command ran, but some hosts failed or were unreachable (the result says which); also a rollout that completed with hosts rolled back',
  8: 'a rollout stopped short: halted by a gate or a spent budget, rolled back, or aborted',
  9: 'a kernel build stopped',
};

export interface ExitCodeRow {
  exit: ExitCode;
  meaning: string;
  codes: string[];
}

/** Every exit status with its meaning and the error codes that lead to it, from the one table above. */
export function exitCodeTable(): ExitCodeRow[] {
  return (Object.keys(EXIT_MEANINGS).map(Number) as ExitCode[]).map((exit) => ({
    exit,
    meaning: EXIT_MEANINGS[exit],
    codes: [...(exit === EXIT_CODES.bug ? ['INTERNAL'] : []), ...(Object.entries(EXIT_CODE_BY_ERROR) as [ErrorCode, ExitCode][]).filter(([, status]) => status === exit).map(([code]) => code)],
  }));
}
