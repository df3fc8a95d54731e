import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { renderRolloutReport } from '../../cli/views/report.js';
import { reportRollout } from '../../services/reports.js';

export default class RolloutReport extends FleetwaveCommand {
  static override summary = "A rollout's record for a change ticket: spec and hashes, who did what, waves over time, gate readings, every host's steps, the fleet before and after, audit verify.";
  static override description =
    'With --html FILE, writes one self-contained page (inline CSS and SVG charts, no script, nothing fetched): it opens from a ticket attachment. --json prints the report itself.';
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515 --html kernel-515.html', '<%= config.bin %> <%= command.id %> kernel-515 --json > kernel-515.json'];

  static override args = {
    name: Args.string({ description: 'The rollout.', required: true }),
  };

  static override flags = {
    html: Flags.string({ summary: 'Write the report as one self-contained HTML file here.' }),
    force: Flags.boolean({ summary: 'Replace the file if it exists.', default: false }),
  };

  async run(): Promise<ReturnType<typeof reportRollout>> {
    const { args, flags } = await this.parse(RolloutReport);
    return this.output(reportRollout({ dbPath: flags.db, name: args.name, ...(flags.html ? { html: flags.html } : {}), force: flags.force, clock: systemClock }), renderRolloutReport);
  }
}
