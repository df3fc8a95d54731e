import { FleetwaveCommand } from '../../cli/base-command.js';
import { renderRolloutList } from '../../cli/views/rollout.js';
import { listRollouts } from '../../services/rollout-plan.js';

export default class RolloutList extends FleetwaveCommand {
  static override summary = 'List saved rollouts with their status and host counts.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<ReturnType<typeof listRollouts>> {
    const { flags } = await this.parse(RolloutList);
    return this.output(listRollouts({ dbPath: flags.db }), renderRolloutList);
  }
}
