/** The outcome of one remote command, as the transport reports it and the core judges it. */
export type RemoteErrorKind = 'unreachable' | 'host-key' | 'auth' | 'timeout' | 'dropped';

export interface RemoteError {
  kind: RemoteErrorKind;
  message: string;
}

/** ok: exit 0. failed: the command ran and exited non-zero or by a signal. error: it did not run, or its outcome is unknown. */
export interface CommandResult {
  hostname: string;
  status: 'ok' | 'failed' | 'error';
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  error: RemoteError | null;
  durationMs: number;
}
