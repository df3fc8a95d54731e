import { Args } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag } from '../../cli/flags.js';
import { labPowerCycle, type LabPowerCycleResult } from '../../services/lab/lab-control.js';

export default class LabPowerCycle extends FleetwaveCommand {
  static override summary = 'Cut the power of one lab host and boot it again (simulation, named as such).';
  static override description =
    'What an operator does to a hung machine through IPMI or a PDU: every process of the host dies, then it boots the kernel GRUB would pick (a pending one-shot entry first) with a new boot id. Waits until its sshd answers.';
  static override examples = ['<%= config.bin %> <%= command.id %> lab-h003'];
  static override args = { hostname: Args.string({ description: 'The lab host.', required: true }) };
  static override flags = { 'lab-dir': labDirFlag };

  async run(): Promise<LabPowerCycleResult> {
    const { args, flags } = await this.parse(LabPowerCycle);
    const result = await labPowerCycle({ labDir: flags['lab-dir'], hostname: args.hostname });
    return this.output(result, (done) => `${done.hostname}: power cycled, ${done.detail} (simulation)`);
  }
}
