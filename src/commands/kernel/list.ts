import { FleetwaveCommand } from '../../cli/base-command.js';
import { renderKernelBuilds } from '../../cli/views/kernel.js';
import type { KernelBuild } from '../../adapters/store/kernel-repository.js';
import { listKernelBuilds } from '../../services/kernel-build.js';

export default class KernelList extends FleetwaveCommand {
  static override summary = 'Kernel builds, newest first, failed ones included.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<{ builds: KernelBuild[] }> {
    const { flags } = await this.parse(KernelList);
    return this.output(listKernelBuilds({ dbPath: flags.db }), renderKernelBuilds);
  }
}
