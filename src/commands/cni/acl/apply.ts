import { Args } from '@oclif/core';
import { systemClock } from '../../../adapters/clock.js';
import { FleetwaveCommand } from '../../../cli/base-command.js';
import { EXIT_CODES } from '../../../cli/exit-codes.js';
import { reasonFlag, sshFlags, sshRunOptions } from '../../../cli/flags.js';
import { renderAclApply } from '../../../cli/views/cni.js';
import { applyAcl, type AclApplyResult } from '../../../services/cni-acl.js';

export default class CniAclApply extends FleetwaveCommand {
  static override summary = 'Put an ACL rule set in force on the selected nodes, each node all at once.';
  static override description =
    'RULES is a YAML or JSON file: defaultAction (allow|deny) and rules, each {name?, action: allow|deny, to: CIDR, protocol?: any|icmp|tcp|udp, port?}. Rules judge what pods send, by destination; the most specific match wins (protocol and port, then protocol, then any; the longest prefix within each), so their order does not matter. On each node the whole set replaces the old one with a single map update (a generation flip): never half of either. A node that fails keeps its old set. Needs the node datapath (the CNI playbook installs it).';
  static override examples = ['<%= config.bin %> <%= command.id %> acl.yaml', "<%= config.bin %> <%= command.id %> acl.yaml 'zone=a' --reason CHG-1234"];
  static override args = {
    rules: Args.string({ description: 'The rule set file (YAML or JSON).', required: true }),
    selector: Args.string({ description: 'Host selector (see fleet list --help); all hosts when omitted.' }),
  };
  static override flags = { ...sshFlags, reason: reasonFlag };

  async run(): Promise<AclApplyResult> {
    const { args, flags } = await this.parse(CniAclApply);
    const result = await applyAcl({
      dbPath: flags.db,
      rulesFile: args.rules,
      ...(args.selector ? { where: args.selector } : {}),
      ...sshRunOptions(flags),
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
    });
    if (result.hosts.some((host) => host.status === 'failed')) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderAclApply);
  }
}
