import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag, reasonFlag } from '../../cli/flags.js';
import { renderLabDown } from '../../cli/views/lab.js';
import { labDown, type LabDownResult } from '../../services/lab.js';

export default class LabDown extends FleetwaveCommand {
  static override summary = 'Stop the lab: every process and namespace it made, its files, and its inventory rows.';
  static override description =
    'Works after a crash too: namespaces are found by name, not only from the lab state. An unreachable route for 198.18.0.0/15 is left in place on purpose, so a stale inventory can never send lab traffic off the machine.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all'];
  static override flags = {
    all: Flags.boolean({ summary: 'Also remove every other fleetwave lab namespace on this machine.', default: false }),
    'lab-dir': labDirFlag,
    reason: reasonFlag,
  };

  async run(): Promise<LabDownResult> {
    const { flags } = await this.parse(LabDown);
    const result = labDown({ dbPath: flags.db, labDir: flags['lab-dir'], all: flags.all, ...(flags.reason ? { reason: flags.reason } : {}), clock: systemClock });
    return this.output(result, renderLabDown);
  }
}
