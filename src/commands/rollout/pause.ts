import { RolloutControlCommand } from '../../cli/rollout-control-command.js';
import type { RolloutControlResult } from '../../services/rollout-control.js';

export default class RolloutPause extends RolloutControlCommand {
  static override summary = 'Pause a running rollout: hosts in flight finish their playbook, nothing new starts.';
  static override description = 'A running `rollout run` sees it within a second and waits; `rollout resume` lets it go on. Audited with your reason.';
  // oclif copies a command's own static args only (`...Class`), so they are restated here.
  static override args = RolloutControlCommand.args;
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515-netkit --reason "error rate up, INC-42"'];

  async run(): Promise<RolloutControlResult> {
    const { args, flags } = await this.parse(RolloutPause);
    return this.control(flags.db, args.name, { type: 'PauseRequested', reason: flags.reason }, flags.reason);
  }
}
