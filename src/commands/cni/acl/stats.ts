import { Args } from '@oclif/core';
import { systemClock } from '../../../adapters/clock.js';
import { FleetwaveCommand } from '../../../cli/base-command.js';
import { EXIT_CODES } from '../../../cli/exit-codes.js';
import { sshFlags, sshRunOptions } from '../../../cli/flags.js';
import { renderAclStats } from '../../../cli/views/cni.js';
import { aclStats, type AclStatsResult } from '../../../services/cni-acl.js';

export default class CniAclStats extends FleetwaveCommand {
  static override summary = 'Per-rule packet and byte counters of the ACL in force on each node.';
  static override description = "Read from the nodes' BPF maps (per-CPU counters, summed). Rule 0 counts packets no rule matched. Counters start from zero when a rule set is applied.";
  static override examples = ['<%= config.bin %> <%= command.id %>', "<%= config.bin %> <%= command.id %> 'hostname=node-7' --json"];
  static override args = { selector: Args.string({ description: 'Host selector (see fleet list --help); all hosts when omitted.' }) };
  static override flags = { ...sshFlags };

  async run(): Promise<AclStatsResult> {
    const { args, flags } = await this.parse(CniAclStats);
    const result = await aclStats({ dbPath: flags.db, ...(args.selector ? { where: args.selector } : {}), ...sshRunOptions(flags), clock: systemClock });
    if (result.hosts.some((host) => host.error)) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderAclStats);
  }
}
