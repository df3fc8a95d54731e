import { Args } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { progressFlag, reasonFlag, sshFlags, sshRunOptions } from '../../cli/flags.js';
import { hostCounter, renderExec } from '../../cli/views/exec.js';
import { FleetwaveError } from '../../errors.js';
import { execOnFleet, type FleetExecResult } from '../../services/fleet-exec.js';

export default class FleetExec extends FleetwaveCommand {
  static override summary = 'Run a command on every selected host over SSH and summarize identical results.';
  static override description = "Everything after -- is the remote command. Hosts with the same exit status and output are grouped. --json has every host's result.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> -- uname -r',
    "<%= config.bin %> <%= command.id %> 'zone=lab-a' -- systemctl is-active kubelet",
    "<%= config.bin %> <%= command.id %> 'rack=r07' --concurrency 10 --timeout 300 --reason 'CHG-1234' -- apt-get install -y linux-image-5.15.0-200",
  ];
  static override strict = false;
  static override args = { selector: Args.string({ description: 'Host selector (see fleet list --help); all hosts when omitted.' }) };
  static override flags = { ...sshFlags, reason: reasonFlag, progress: progressFlag };

  async run(): Promise<FleetExecResult> {
    const separator = this.argv.indexOf('--');
    const words = separator === -1 ? [] : this.argv.slice(separator + 1);
    const { args, flags } = await this.parse(FleetExec, separator === -1 ? this.argv : this.argv.slice(0, separator));
    if (words.length === 0) {
      throw new FleetwaveError('USAGE', 'no remote command: put it after --', { suggestions: ["fleetwave fleet exec 'zone=a' -- uptime"] });
    }
    const progress = hostCounter(this.progress(flags.progress), 'exec');
    const result = await execOnFleet({
      dbPath: flags.db,
      ...(args.selector ? { where: args.selector } : {}),
      command: words.join(' '),
      ...sshRunOptions(flags),
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
      ...(progress ? { onProgress: progress } : {}),
    });
    if (result.ok < result.hosts) this.setExitStatus(EXIT_CODES.hostsFailed);
    return this.output(result, renderExec);
  }
}
