import { Args } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { renderKernelBuild } from '../../cli/views/kernel.js';
import type { KernelBuild } from '../../adapters/store/kernel-repository.js';
import { showKernelBuild } from '../../services/kernel-build.js';

export default class KernelShow extends FleetwaveCommand {
  static override summary = "One kernel build's provenance: source, base and result commits, series and config hashes, packages with sha256, log.";
  static override examples = ['<%= config.bin %> <%= command.id %> 3', '<%= config.bin %> <%= command.id %> 3 --json'];
  static override args = { id: Args.integer({ description: 'The build id (see kernel list).', required: true }) };

  async run(): Promise<KernelBuild> {
    const { args, flags } = await this.parse(KernelShow);
    return this.output(showKernelBuild({ dbPath: flags.db, id: args.id }), renderKernelBuild);
  }
}
