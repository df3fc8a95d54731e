import { Args, Flags } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { terminalSafe } from '../../cli/terminal-safe.js';
import { renderRolloutStatus } from '../../cli/views/rollout-run.js';
import { ROLLOUT_TERMINAL } from '../../rollout/rollout-machine.js';
import { rolloutStatus, type RolloutStatusResult } from '../../services/rollout-status.js';

export default class RolloutStatus extends FleetwaveCommand {
  static override summary = "Show a rollout: its waves' progress, each host's state, its runner and its latest events.";
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515-netkit', '<%= config.bin %> <%= command.id %> kernel-515-netkit --watch', '<%= config.bin %> <%= command.id %> kernel-515-netkit --json'];
  static override args = { name: Args.string({ description: 'The rollout.', required: true }) };
  static override flags = {
    watch: Flags.boolean({ summary: 'Redraw every second until the rollout ends and its runner stops (Ctrl-C to leave).', default: false }),
    'all-hosts': Flags.boolean({ summary: 'List every host, pending ones included.', default: false }),
    events: Flags.integer({ summary: 'How many of the latest events to show.', default: 10, min: 0 }),
  };

  async run(): Promise<RolloutStatusResult> {
    const { args, flags } = await this.parse(RolloutStatus);
    const read = () => rolloutStatus({ dbPath: flags.db, name: args.name, events: flags.events, now: new Date() });
    let result = read();
    if (flags.watch && !this.jsonEnabled()) {
      const finished = (status: RolloutStatusResult) => ROLLOUT_TERMINAL.has(status.rollout.status) && !status.runner?.alive;
      for (;;) {
        const screen = terminalSafe(renderRolloutStatus(result, { allHosts: flags['all-hosts'] }));
        process.stdout.write(process.stdout.isTTY ? `\u001b[H\u001b[2J${screen}\n` : `${screen}\n\n`);
        if (finished(result)) return result;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        result = read();
      }
    }
    return this.output(result, (status) => renderRolloutStatus(status, { allHosts: flags['all-hosts'] }));
  }
}
