import { FleetwaveCommand } from '../../cli/base-command.js';
import { labDirFlag } from '../../cli/flags.js';
import { renderLabStatus } from '../../cli/views/lab.js';
import { labStatus, type LabStatusResult } from '../../services/lab/lab-control.js';

export default class LabStatus extends FleetwaveCommand {
  static override summary = "Show the lab's hosts: namespace present, sshd running; and stray lab namespaces.";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = { 'lab-dir': labDirFlag };

  async run(): Promise<LabStatusResult> {
    const { flags } = await this.parse(LabStatus);
    return this.output(labStatus({ labDir: flags['lab-dir'] }), renderLabStatus);
  }
}
