import { Flags } from '@oclif/core';
import { INVENTORY_FORMATS } from '../inventory/source.js';
import { PROGRESS_MODES } from './progress.js';

/** Flags shared by several commands, defined once so their help and env vars never drift. */
export const reasonFlag = Flags.string({
  summary: 'Why you are doing this; recorded in the audit trail.',
  env: 'FLEETWAVE_REASON',
});

export const whereFlag = Flags.string({
  char: 'w',
  summary: "Host selector, e.g. 'zone=a,rack!=r7,kernel~5.15' (see `fleetwave fleet list --help`).",
});

/** The window of an audit read (`audit log`, `fleet history`). */
export const sinceFlag = Flags.string({ summary: 'From this time: ISO time/date or a duration back (6h, 7d).' });
export const untilFlag = Flags.string({ summary: 'Before this time: ISO time/date or a duration back.' });

export const atFlag = Flags.string({
  summary: 'The fleet as it was at this time, rebuilt from the audit trail: ISO time/date or a duration back (7d, 12h).',
});

export const progressFlag = Flags.option({
  options: PROGRESS_MODES,
  default: 'auto' as const,
  summary: 'Progress on stderr: auto (live on a terminal, never with --json), lines (plain lines, for logs), none.',
})();

export const formatFlag = Flags.option({
  options: INVENTORY_FORMATS,
  summary: 'Inventory format; detected from the extension and content when omitted.',
})();

export const labDirFlag = Flags.string({
  summary: 'Directory holding the lab state (keys, sshd configs, simulated host state).',
  env: 'FLEETWAVE_LAB_DIR',
  default: '.fleetwave/lab',
});

/** How fleetwave reaches hosts; shared by every command that talks SSH. */
export const sshFlags = {
  'ssh-config': Flags.string({ summary: 'OpenSSH client config to use instead of ~/.ssh/config (colon-separated list).', env: 'FLEETWAVE_SSH_CONFIG', helpGroup: 'SSH' }),
  concurrency: Flags.integer({ summary: 'Hosts worked on at once.', default: 50, min: 1, max: 2000, helpGroup: 'SSH' }),
  'connect-timeout': Flags.integer({ summary: 'Seconds to wait for a host to accept and authenticate.', default: 10, min: 1, helpGroup: 'SSH' }),
  timeout: Flags.integer({ summary: 'Seconds a command may run on a host.', default: 60, min: 1, helpGroup: 'SSH' }),
  'output-cap': Flags.integer({ summary: 'Bytes of stdout and of stderr kept per host (the tail is kept).', default: 65536, min: 256, helpGroup: 'SSH' }),
  'accept-new': Flags.boolean({ summary: 'Pin unknown host keys on first contact (like OpenSSH accept-new); changed keys are still refused.', default: false, helpGroup: 'SSH' }),
};

export function sshRunOptions(flags: { 'ssh-config'?: string | undefined; concurrency: number; 'connect-timeout': number; timeout: number; 'output-cap': number; 'accept-new': boolean }) {
  return {
    ...(flags['ssh-config'] ? { sshConfig: flags['ssh-config'] } : {}),
    concurrency: flags.concurrency,
    connectTimeoutMs: flags['connect-timeout'] * 1000,
    commandTimeoutMs: flags.timeout * 1000,
    outputCapBytes: flags['output-cap'],
    acceptNew: flags['accept-new'],
  };
}
