import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { sinceFlag, untilFlag } from '../../cli/flags.js';
import { renderHostHistory } from '../../cli/views/fleet.js';
import { hostHistory, type HostHistory } from '../../services/fleet-queries.js';

export default class FleetHistory extends FleetwaveCommand {
  static override summary = "One host's timeline from the audit trail: imports, probes, key pins, rollout steps, reboots, rollbacks, quarantine.";
  static override description = 'Oldest first. Shows the newest --limit entries of the window; --limit 0 shows them all. A host removed and added again keeps one timeline.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> web-01',
    '<%= config.bin %> <%= command.id %> web-01 --since 2026-11-01 --until 2026-11-08',
    '<%= config.bin %> <%= command.id %> web-01 --limit 0 --json',
  ];

  static override args = {
    hostname: Args.string({ description: 'The host, as the fleet names it.', required: true }),
  };

  static override flags = {
    since: sinceFlag,
    until: untilFlag,
    limit: Flags.integer({ summary: 'Newest N entries; 0 for all.', default: 200, min: 0 }),
  };

  async run(): Promise<HostHistory> {
    const { args, flags } = await this.parse(FleetHistory);
    const history = hostHistory({
      dbPath: flags.db,
      hostname: args.hostname,
      ...(flags.since ? { since: flags.since } : {}),
      ...(flags.until ? { until: flags.until } : {}),
      limit: flags.limit,
      clock: systemClock,
    });
    return this.output(history, renderHostHistory);
  }
}
