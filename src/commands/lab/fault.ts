import { Args, Flags } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag } from '../../cli/flags.js';
import { LAB_FAULTS, LabFaultSchema } from '../../lab/faults.js';
import { labFault, type LabFaultResult } from '../../services/lab/lab-control.js';

export default class LabFaultCommand extends FleetwaveCommand {
  static override summary = 'Inject or clear a fault on one lab host (simulation, named as such).';
  static override description = [
    "unreachable: the host's sshd and sessions stop (--clear starts sshd again).",
    'slow --value SECONDS: every command on the host starts that much later.',
    'reboot-hangs: the next reboot never comes back (clear the fault, then `lab power-cycle HOST`).',
    'bad-kernel --value RELEASE: that kernel fails to boot; the power cycle that follows boots the default entry.',
    'down-seconds --value N: how long a reboot keeps the host down (default 2).',
    'health-fails: the fleetwave-health command on the host exits 1.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab-h003 bad-kernel --value 5.15.0-200-netkit',
    '<%= config.bin %> <%= command.id %> lab-h007 unreachable',
    '<%= config.bin %> <%= command.id %> lab-h007 unreachable --clear',
  ];
  static override args = {
    hostname: Args.string({ description: 'The lab host.', required: true }),
    fault: Args.string({ description: `One of: ${LAB_FAULTS.join(', ')}.`, required: true, options: [...LAB_FAULTS] }),
  };
  static override flags = {
    value: Flags.string({ summary: "The fault's value, for bad-kernel and down-seconds." }),
    clear: Flags.boolean({ summary: 'Remove the fault instead.', default: false }),
    'lab-dir': labDirFlag,
  };

  async run(): Promise<LabFaultResult> {
    const { args, flags } = await this.parse(LabFaultCommand);
    const result = await labFault({ labDir: flags['lab-dir'], hostname: args.hostname, fault: LabFaultSchema.parse(args.fault), ...(flags.value ? { value: flags.value } : {}), clear: flags.clear });
    return this.output(result, (done) => `${done.hostname}: ${done.fault}${done.value ? ` ${done.value}` : ''} ${done.active ? 'set' : 'cleared'} (simulation)`);
  }
}
