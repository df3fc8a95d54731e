import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { unquarantineHosts, type UnquarantineResult } from '../../services/fleet-quarantine.js';

export default class FleetUnquarantine extends FleetwaveCommand {
  static override summary = 'Lift the quarantine fleetwave put on hosts whose rollback failed, after a person has looked.';
  static override description =
    'A host whose rollback failed is labelled fleetwave/quarantine, and no rollout plans it while the label is there. An inventory import never clears the label; this command does (audited, with your reason). A retried `rollout rollback` that succeeds lifts it by itself.';
  static override examples = ["<%= config.bin %> <%= command.id %> web-07 --reason 'booted by hand into 5.15.0-91, checked, OPS-1234'"];
  static override strict = false;
  static override args = { hostname: Args.string({ description: 'The hosts (one or more).', required: true }) };
  static override flags = { reason: Flags.string({ summary: 'Why; recorded in the audit trail.', env: 'FLEETWAVE_REASON', required: true }) };

  async run(): Promise<UnquarantineResult> {
    const { argv, flags } = await this.parse(FleetUnquarantine);
    const result = unquarantineHosts({ dbPath: flags.db, hostnames: argv as string[], reason: flags.reason, clock: systemClock });
    return this.output(result, (done) => done.hosts.map((host) => `${host.hostname}: quarantine lifted (was: ${host.was})`).join('\n'));
  }
}
