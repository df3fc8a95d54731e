import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag, reasonFlag } from '../../cli/flags.js';
import { renderLabUp } from '../../cli/views/lab.js';
import { MAX_LAB_HOSTS } from '../../lab/layout.js';
import { LabNameSchema } from '../../lab/lab-state.js';
import { labUp, type LabUpResult } from '../../services/lab/lab-up.js';

export default class LabUp extends FleetwaveCommand {
  static override summary = 'Start a local lab fleet: real sshd hosts in their own network namespaces, added to the inventory.';
  static override description =
    'Each host gets its own namespace, address (198.18.0.0/15, the RFC 2544 benchmark range), host key, known_hosts entry and inventory row (zones and racks spread). Kernels and reboots cannot be real here: they are simulated per host and named as such. Needs root; installs openssh-server when missing.';
  static override examples = ['<%= config.bin %> <%= command.id %> --hosts 20', '<%= config.bin %> <%= command.id %> --hosts 500 --name big --lab-dir /tmp/big-lab'];

  static override flags = {
    hosts: Flags.integer({ summary: 'How many hosts.', default: 10, min: 1, max: MAX_LAB_HOSTS }),
    name: Flags.string({ summary: 'Lab name; hosts are NAME-h001, NAME-h002, ...', default: 'lab', parse: async (input) => LabNameSchema.parse(input) }),
    'lab-dir': labDirFlag,
    reason: reasonFlag,
  };

  async run(): Promise<LabUpResult> {
    const { flags } = await this.parse(LabUp);
    const result = await labUp({ dbPath: flags.db, labDir: flags['lab-dir'], name: flags.name, hosts: flags.hosts, ...(flags.reason ? { reason: flags.reason } : {}), clock: systemClock });
    return this.output(result, renderLabUp);
  }
}
