import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { reasonFlag, sshFlags, sshRunOptions } from '../../cli/flags.js';
import { renderVerify } from '../../cli/views/cni.js';
import type { VerifyOutcome } from '../../cni/verify/run-verify.js';
import { verifyCni } from '../../services/cni-verify.js';

export default class CniVerify extends FleetwaveCommand {
  static override summary = 'Check pod connectivity on the selected nodes: veth and netkit test pods, ICMP and TCP, the ACL.';
  static override description =
    "On each node, one veth and one netkit test pod are made through the node's own CNI plugin (/opt/cni/bin/fleetwave-cni with /etc/cni/net.d/10-fleetwave.conf, by /opt/fleetwave/bin/fleetwave-verify), then probed: pod to pod on the node, pod to node, and pod to both pods of the next selected node, over ICMP and TCP. A cell passes only when it was probed and the packet did what the node's ACL says (a drop the ACL asks for passes); every ACL rule that judged a probe must have counted it. Cells that cannot be probed say why (a kernel without netkit, a simulated lab kernel) and never pass; a test pod the plugin cannot make fails its cells. Test pods are removed afterwards; an interrupted run's are removed by the next run.";
  static override examples = ['<%= config.bin %> <%= command.id %>', "<%= config.bin %> <%= command.id %> 'zone=a' --json"];
  static override args = { selector: Args.string({ description: 'Host selector (see fleet list --help); all hosts when omitted.' }) };
  static override flags = {
    ...sshFlags,
    reason: reasonFlag,
    'require-netkit': Flags.boolean({
      summary: 'Netkit cells that cannot be probed (fallback to veth, a simulated kernel) fail instead of being not testable: the health check after a node was switched to netkit.',
      default: false,
    }),
  };

  async run(): Promise<VerifyOutcome> {
    const { args, flags } = await this.parse(CniVerify);
    const result = await verifyCni({
      dbPath: flags.db,
      ...(args.selector ? { where: args.selector } : {}),
      ...sshRunOptions(flags),
      ...(flags.reason ? { reason: flags.reason } : {}),
      requireNetkit: flags['require-netkit'],
      clock: systemClock,
    });
    if (result.failed > 0 || result.counters.failed > 0) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderVerify);
  }
}
