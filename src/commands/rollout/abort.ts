import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { controlRollout, type RolloutControlResult } from '../../services/rollout-control.js';

export default class RolloutAbort extends FleetwaveCommand {
  static override summary = 'Abort a rollout: stop dispatching and release its hosts. A planned rollout is simply cancelled.';
  static override description =
    'Decided by the rollout state machine and audited with your reason. Aborting a rollout that is running, paused or halted also asks for the hosts in flight to be rolled back; running rollouts are not built yet, so today this cancels planned rollouts.';
  static override examples = ["<%= config.bin %> <%= command.id %> kernel-515-netkit --reason 'wrong target, INC-42'"];
  static override args = { name: Args.string({ description: 'The rollout.', required: true }) };
  static override flags = { reason: Flags.string({ summary: 'Why; recorded in the audit trail.', env: 'FLEETWAVE_REASON', required: true }) };

  async run(): Promise<RolloutControlResult> {
    const { args, flags } = await this.parse(RolloutAbort);
    const result = controlRollout({ dbPath: flags.db, name: args.name, event: { type: 'AbortRequested', reason: flags.reason }, reason: flags.reason, clock: systemClock });
    return this.output(result, (done) => `rollout ${done.name}: ${done.from} -> ${done.to}; ${done.locksReleased} hosts released`);
  }
}
