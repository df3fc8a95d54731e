import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { reasonFlag, sshFlags, sshRunOptions } from '../../cli/flags.js';
import { renderKernelVerify } from '../../cli/views/kernel.js';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveError } from '../../errors.js';
import { verifyKernels, type VerifiedHost } from '../../services/kernel-verify.js';

export default class KernelVerify extends FleetwaveCommand {
  static override summary = 'Check that hosts run a kernel netkit and tcx work on, and say per host what is missing.';
  static override description =
    "Over SSH: CONFIG_BPF_SYSCALL, CONFIG_NET_XGRESS (tcx), CONFIG_NETKIT and CONFIG_DEBUG_INFO_BTF in the running kernel's config, BTF in /sys, and a netkit pair really created and deleted. The same checks the kernel-upgrade playbook runs.";
  static override examples = ['<%= config.bin %> <%= command.id %> web-1 web-2', '<%= config.bin %> <%= command.id %> web-1 --json'];
  static override strict = false;
  static override flags = { ...sshFlags, reason: reasonFlag };

  async run(): Promise<{ hosts: VerifiedHost[] }> {
    const { argv, flags } = await this.parse(KernelVerify);
    const hostnames = argv as string[];
    if (hostnames.length === 0) throw new FleetwaveError('USAGE', 'name the hosts to verify', { suggestions: ['fleetwave kernel verify web-1 web-2'] });
    const result = await verifyKernels({ dbPath: flags.db, hostnames, ...sshRunOptions(flags), ...(flags.reason ? { reason: flags.reason } : {}), clock: systemClock });
    if (result.hosts.some((host) => !host.ok)) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderKernelVerify);
  }
}
