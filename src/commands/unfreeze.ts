import { Flags } from '@oclif/core';
import { systemClock } from '../adapters/clock.js';
import { FleetwaveCommand } from '../cli/base-command.js';
import { unfreezeFleet } from '../services/fleet-freeze.js';
import type { FleetFreeze } from '../adapters/store/freeze-repository.js';

export default class Unfreeze extends FleetwaveCommand {
  static override summary = 'Lift the fleet freeze; running rollouts go on dispatching within a second.';
  static override examples = ["<%= config.bin %> <%= command.id %> --reason 'sale over'"];
  static override flags = { reason: Flags.string({ summary: 'Why; recorded in the audit trail.', env: 'FLEETWAVE_REASON', required: true }) };

  async run(): Promise<{ lifted: FleetFreeze | null }> {
    const { flags } = await this.parse(Unfreeze);
    return this.output(unfreezeFleet({ dbPath: flags.db, reason: flags.reason, clock: systemClock }), ({ lifted }) =>
      lifted ? `Freeze lifted (it was set ${lifted.since} by ${lifted.actor}: ${lifted.reason})` : 'The fleet was not frozen.',
    );
  }
}
