import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag, reasonFlag } from '../../cli/flags.js';
import { renderLabDown } from '../../cli/views/lab.js';
import { labDown, type LabDownResult } from '../../services/lab/lab-down.js';

export default class LabDown extends FleetwaveCommand {
  static override summary = 'Stop the lab: exactly the processes, namespaces, links and files it recorded making, and its inventory rows.';
  static override description = [
    "Refuses, changing nothing, while a rollout holds any of the lab's hosts (abort or finish it first), and when --lab-dir holds no lab state.",
    'Files in the lab directory that the lab did not make are left where they are. Works after a crash too: a half-made lab recorded what it was making.',
    "--all takes down every lab this machine has a record of (/run/fleetwave/labs), also one whose directory is gone; namespaces that merely look like a lab's are never removed.",
    'An unreachable route for 198.18.0.0/15 is left in place on purpose, so a stale inventory can never send lab traffic off the machine.',
  ].join('\n');
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all'];
  static override flags = {
    all: Flags.boolean({ summary: 'Also take down every other lab this machine has a record of.', default: false }),
    'lab-dir': labDirFlag,
    reason: reasonFlag,
  };

  async run(): Promise<LabDownResult> {
    const { flags } = await this.parse(LabDown);
    const result = await labDown({ dbPath: flags.db, labDir: flags['lab-dir'], all: flags.all, ...(flags.reason ? { reason: flags.reason } : {}), clock: systemClock });
    return this.output(result, renderLabDown);
  }
}
