import { Args } from '@oclif/core';
import { FleetwaveCommand } from '../cli/base-command.js';
import { completionScript } from '../cli/completion.js';

export default class Completion extends FleetwaveCommand {
  static override summary = 'Print the shell completion script: commands, flags, option values, rollout names and host names from the database.';
  static override description =
    'Load it in the running shell with `source <(fleetwave completion bash)`, or add that line to ~/.bashrc (~/.zshrc for zsh). Rollout and host names come from --db, FLEETWAVE_DB or ./fleetwave.db as typed on the line.';
  static override examples = ['source <(<%= config.bin %> <%= command.id %> bash)', '<%= config.bin %> <%= command.id %> zsh > ~/.zsh/fleetwave-completion.zsh'];
  static override args = { shell: Args.string({ description: 'The shell.', required: true, options: ['bash', 'zsh'] }) };

  async run(): Promise<{ shell: string; script: string }> {
    const { args } = await this.parse(Completion);
    const script = completionScript(args.shell as 'bash' | 'zsh', this.config.bin);
    return this.output({ shell: args.shell, script }, (result) => result.script.trimEnd());
  }
}
