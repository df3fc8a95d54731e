import type { CommandResult } from '../ssh/command-result.js';
import type { ConnectionSettings } from '../ssh/connection-settings.js';
import type { UploadResult } from './ssh/ssh-executor.js';

/**
 * How the runner and its host workers reach a host: run a command, upload a file. SshExecutor is
 * the real one; SimulatedFleet (named so wherever it appears) answers in memory, for the scale
 * benchmark and for fast tests of runner decisions. A reboot is a command like any other, verified
 * by the boot id it changes.
 */
export interface HostTransport {
  /** "ssh", or "simulated fleet": recorded with the run, so no simulated run passes for a real one. */
  readonly kind: 'ssh' | 'simulated fleet';
  run(settings: ConnectionSettings, command: string, options?: { timeoutMs?: number; stdin?: string }): Promise<CommandResult>;
  upload(settings: ConnectionSettings, localPath: string, remotePath: string, expectedSha256?: string): Promise<UploadResult>;
  close(): Promise<void>;
}
