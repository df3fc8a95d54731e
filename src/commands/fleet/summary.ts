import { Flags } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { atFlag, whereFlag } from '../../cli/flags.js';
import { systemClock } from '../../adapters/clock.js';
import { renderSummary } from '../../cli/views/fleet.js';
import { FAILURE_DOMAINS } from '../../fleet/host.js';
import { summarizeHosts } from '../../services/fleet-queries.js';

export default class FleetSummary extends FleetwaveCommand {
  static override summary = 'Count hosts by running kernel x CNI mode, optionally per cluster, zone or rack.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --by zone',
    "<%= config.bin %> <%= command.id %> --by rack --where 'cluster=prod-eu' --json",
    '<%= config.bin %> <%= command.id %> --by zone --at 2026-11-01',
  ];

  static override flags = {
    by: Flags.option({ options: FAILURE_DOMAINS, summary: 'One table per value of this failure domain.' })(),
    where: whereFlag,
    at: atFlag,
  };

  async run(): Promise<ReturnType<typeof summarizeHosts>> {
    const { flags } = await this.parse(FleetSummary);
    const summary = summarizeHosts({ dbPath: flags.db, groupBy: flags.by ?? null, ...(flags.where ? { where: flags.where } : {}), ...(flags.at ? { at: flags.at } : {}), clock: systemClock });
    return this.output(summary, renderSummary);
  }
}
