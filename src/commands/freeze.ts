import { Flags } from '@oclif/core';
import { systemClock } from '../adapters/clock.js';
import { FleetwaveCommand } from '../cli/base-command.js';
import { freezeFleet } from '../services/fleet-freeze.js';
import type { FleetFreeze } from '../adapters/store/freeze-repository.js';

export default class Freeze extends FleetwaveCommand {
  static override summary = 'Freeze the fleet: no rollout dispatches another host until `unfreeze`.';
  static override description = 'Running rollouts see it within a second: hosts in flight finish their playbook, rollbacks of failed hosts still run, nothing new starts. Audited with your reason.';
  static override examples = ["<%= config.bin %> <%= command.id %> --reason 'change freeze for the holiday sale, CHG-77'"];
  static override flags = { reason: Flags.string({ summary: 'Why; recorded in the audit trail and shown by rollout status.', env: 'FLEETWAVE_REASON', required: true }) };

  async run(): Promise<{ freeze: FleetFreeze }> {
    const { flags } = await this.parse(Freeze);
    return this.output(freezeFleet({ dbPath: flags.db, reason: flags.reason, clock: systemClock }), ({ freeze }) => `Fleet frozen since ${freeze.since}: ${freeze.reason}`);
  }
}
