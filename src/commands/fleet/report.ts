import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { atFlag, whereFlag } from '../../cli/flags.js';
import { renderFleetReport } from '../../cli/views/report.js';
import { reportFleet } from '../../services/reports.js';

export default class FleetReport extends FleetwaveCommand {
  static override summary = "The fleet's kernel x CNI composition, overall, by cluster and by zone, as a self-contained HTML page; --at for the past.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --html fleet.html',
    '<%= config.bin %> <%= command.id %> --at 2026-11-01 --html fleet-nov.html',
    "<%= config.bin %> <%= command.id %> --where 'cluster=prod-eu' --json",
  ];

  static override flags = {
    html: Flags.string({ summary: 'Write the report as one self-contained HTML file here.' }),
    force: Flags.boolean({ summary: 'Replace the file if it exists.', default: false }),
    at: atFlag,
    where: whereFlag,
  };

  async run(): Promise<ReturnType<typeof reportFleet>> {
    const { flags } = await this.parse(FleetReport);
    return this.output(
      reportFleet({
        dbPath: flags.db,
        ...(flags.where ? { where: flags.where } : {}),
        ...(flags.at ? { at: flags.at } : {}),
        ...(flags.html ? { html: flags.html } : {}),
        force: flags.force,
        clock: systemClock,
      }),
      renderFleetReport,
    );
  }
}
