import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { atFlag } from '../../cli/flags.js';
import { renderHostDetail } from '../../cli/views/fleet.js';
import { showHost, type HostDetail } from '../../services/fleet-queries.js';

export default class FleetShow extends FleetwaveCommand {
  static override summary = 'Show one host: inventory, observed state, and its recent audit events.';
  static override examples = ['<%= config.bin %> <%= command.id %> web-01', '<%= config.bin %> <%= command.id %> web-01 --events 50 --json', '<%= config.bin %> <%= command.id %> web-01 --at 7d'];

  static override args = {
    hostname: Args.string({ description: 'The host to show.', required: true }),
  };

  static override flags = {
    events: Flags.integer({ summary: 'How many recent events to include.', default: 10, min: 0 }),
    at: atFlag,
  };

  async run(): Promise<HostDetail> {
    const { args, flags } = await this.parse(FleetShow);
    return this.output(showHost({ dbPath: flags.db, hostname: args.hostname, events: flags.events, ...(flags.at ? { at: flags.at } : {}), clock: systemClock }), renderHostDetail);
  }
}
