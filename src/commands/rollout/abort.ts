import { RolloutControlCommand } from '../../cli/rollout-control-command.js';
import type { RolloutControlResult } from '../../services/rollout-control.js';

export default class RolloutAbort extends RolloutControlCommand {
  static override summary = 'Abort a rollout: stop dispatching, roll back the hosts in flight, skip the rest.';
  static override description = 'Hosts that already succeeded keep the change (`rollout rollback` undoes them too). A planned rollout is simply cancelled and its hosts released.';
  // oclif copies a command's own static args only (`...Class`), so they are restated here.
  static override args = RolloutControlCommand.args;
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515-netkit --reason "wrong target, INC-42"'];

  async run(): Promise<RolloutControlResult> {
    const { args, flags } = await this.parse(RolloutAbort);
    return this.control(flags.db, args.name, { type: 'AbortRequested', reason: flags.reason }, flags.reason);
  }
}
