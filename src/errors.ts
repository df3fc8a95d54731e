/**
 * The one error type users see, thrown anywhere in fleetwave. It carries a stable code; the CLI
 * maps codes to exit statuses (src/cli/exit-codes.ts), so the core never thinks about processes.
 */
export const ERROR_CODES = [
  'USAGE',
  'INVENTORY_INVALID',
  'INVENTORY_UNREADABLE',
  'SELECTOR_INVALID',
  'TIME_INVALID',
  'DB_NOT_FOUND',
  'HOST_NOT_FOUND',
  'DB_UNREADABLE',
  'DB_READ_ONLY',
  'DB_BUSY',
  'SCHEMA_TOO_NEW',
  'SCHEMA_DRIFT',
  'AUDIT_CHAIN_BROKEN',
  'LAB_UNAVAILABLE',
  'LAB_EXISTS',
  'LAB_NOT_FOUND',
  'LAB_SETUP_FAILED',
  'LAB_DIR_IN_USE',
  'LAB_STATE_INVALID',
  'SSH_CONFIG_INVALID',
  'NO_HOSTS_SELECTED',
  'SPEC_INVALID',
  'ROLLOUT_EXISTS',
  'ROLLOUT_NOT_FOUND',
  'ROLLOUT_STATE',
  'PLAYBOOK_INVALID',
  'SPEC_CHANGED',
  'ROLLOUT_RUNNING',
  'LEASE_LOST',
  'ROLLOUT_HALTED',
  'FROZEN',
  'HOSTS_LOCKED',
  'SERIES_INVALID',
  'KERNEL_SOURCE_INVALID',
  'SERIES_CONFLICT',
  'CONFIG_DROPPED',
  'UAPI_MISMATCH',
  'KERNEL_BUILD_FAILED',
  'KERNEL_BUILD_NOT_FOUND',
  'ACL_INVALID',
  'OUTPUT_EXISTS',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FleetwaveErrorOptions {
  suggestions?: string[];
  /** Structured detail for --json consumers, e.g. every bad inventory row. */
  details?: unknown;
}

/** A problem the user can fix. Rendered without a stack trace. */
export class FleetwaveError extends Error {
  readonly code: ErrorCode;
  readonly suggestions: string[];
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: FleetwaveErrorOptions = {}) {
    super(message);
    this.name = 'FleetwaveError';
    this.code = code;
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
