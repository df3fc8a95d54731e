import { RolloutControlCommand } from '../../cli/rollout-control-command.js';
import type { RolloutControlResult } from '../../services/rollout-control.js';

export default class RolloutResume extends RolloutControlCommand {
  static override summary = 'Resume a paused or halted rollout.';
  static override description = 'Resuming a halted rollout acknowledges its failures: they no longer count against the failure budget. If no runner is active, run `rollout run NAME` afterwards.';
  // oclif copies a command's own static args only (`...Class`), so they are restated here.
  static override args = RolloutControlCommand.args;
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515-netkit --reason "INC-42 resolved, not the kernel"'];

  async run(): Promise<RolloutControlResult> {
    const { args, flags } = await this.parse(RolloutResume);
    return this.control(flags.db, args.name, { type: 'ResumeRequested' }, flags.reason);
  }
}
