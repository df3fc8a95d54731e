import { Args } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { progressFlag, reasonFlag, sshFlags, sshRunOptions } from '../../cli/flags.js';
import { hostCounter } from '../../cli/views/exec.js';
import { renderProbe } from '../../cli/views/probe.js';
import { probeFleet, type FleetProbeResult } from '../../services/fleet-probe.js';

export default class FleetProbe extends FleetwaveCommand {
  static override summary = 'Collect kernels, boot state, netkit capability and CNI mode from hosts, and update the inventory.';
  static override description =
    'Per host: running kernel, default and one-shot boot entries, installed kernels, boot id, uptime, netkit capability (the kernel config says so AND a netkit pair can really be created) and CNI datapath mode. Unreachable hosts are listed with the reason and left unchanged.';
  static override examples = ['<%= config.bin %> <%= command.id %>', "<%= config.bin %> <%= command.id %> 'zone=lab-a' --json"];
  static override args = { selector: Args.string({ description: 'Host selector; all hosts when omitted.' }) };
  static override flags = { ...sshFlags, reason: reasonFlag, progress: progressFlag };

  async run(): Promise<FleetProbeResult> {
    const { args, flags } = await this.parse(FleetProbe);
    const progress = hostCounter(this.progress(flags.progress), 'probe');
    const result = await probeFleet({
      dbPath: flags.db,
      ...(args.selector ? { where: args.selector } : {}),
      ...sshRunOptions(flags),
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
      ...(progress ? { onProgress: progress } : {}),
    });
    if (result.unreachable.length > 0) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderProbe);
  }
}
