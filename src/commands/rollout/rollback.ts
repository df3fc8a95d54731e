import { RolloutControlCommand } from '../../cli/rollout-control-command.js';
import type { RolloutControlResult } from '../../services/rollout-control.js';

export default class RolloutRollback extends RolloutControlCommand {
  static override summary = 'Roll back every host this rollout changed, newest wave first, one batch at a time.';
  static override description =
    "Runs the playbook's rollback steps within the rollout's spread limits. Works on running, paused, halted, aborted and completed rollouts, and widens a one-wave rollback to all. Hosts whose rollback failed (quarantined) are rolled back again, every rollback step as a new attempt, also on a rolled-back rollout; one that now comes back verified loses its quarantine. A host is rolled back only when its state matches what it was before the rollout touched it.";
  // oclif copies a command's own static args only (`...Class`), so they are restated here.
  static override args = RolloutControlCommand.args;
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515-netkit --reason "regression in the new kernel, INC-42"'];

  async run(): Promise<RolloutControlResult> {
    const { args, flags } = await this.parse(RolloutRollback);
    return this.control(flags.db, args.name, { type: 'RollbackRequested', reason: flags.reason }, flags.reason);
  }
}
