import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { reasonFlag, sshFlags, sshRunOptions } from '../../cli/flags.js';
import { renderDebugDump } from '../../cli/views/cni.js';
import { debugDump, type DebugDumpResult } from '../../services/debug-dump.js';

export default class DebugDump extends FleetwaveCommand {
  static override summary = 'Fetch one archive per host with what kernel and datapath debugging needs.';
  static override description =
    "Each archive holds, one file per command with its exit status: ip -d link, addresses and routes of the node and of every network namespace (its pods), bpftool prog/map/link/net show, the contents of fleetwave's pinned maps, the netkit/tcx/BPF lines of the running kernel's config, /proc/modules, the last 500 kernel log lines, the CNI mode, pods, applied ACL and fallback log. The script is sent over SSH (nothing is installed on the host) and only reads; the host's copy is removed after the download, whose sha256 is checked against the host's and recorded in the audit trail.";
  static override examples = ['<%= config.bin %> <%= command.id %> node-7 node-9', '<%= config.bin %> <%= command.id %> node-7 --out /tmp/incident-4711'];
  static override strict = false;
  static override args = { hosts: Args.string({ description: 'Hostnames, one or more.', required: true }) };
  static override flags = {
    ...sshFlags,
    reason: reasonFlag,
    out: Flags.string({ summary: 'Directory the archives are written to (created when missing).', default: 'fleetwave-debug' }),
  };

  async run(): Promise<DebugDumpResult> {
    const { argv, flags } = await this.parse(DebugDump);
    const result = await debugDump({
      dbPath: flags.db,
      hostnames: argv as string[],
      outDir: flags.out,
      ...sshRunOptions(flags),
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
    });
    if (result.hosts.some((host) => host.error)) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderDebugDump);
  }
}
