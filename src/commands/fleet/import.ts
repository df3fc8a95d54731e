import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { formatFlag, reasonFlag } from '../../cli/flags.js';
import { renderImport } from '../../cli/views/fleet.js';
import { importInventory, type ImportResult } from '../../services/import-inventory.js';

export default class FleetImport extends FleetwaveCommand {
  static override summary = 'Import hosts from an inventory file (upsert by hostname).';
  static override description = [
    'Formats: csv, json and yaml (fleetwave\'s own: a "hosts" list), ansible-ini, ansible-yaml, and kubectl (`kubectl get nodes -o json`).',
    'Ansible: ansible_host/port/user become address/port/user, vars cluster/zone/rack become failure domains, groups become labels group.NAME=true, other scalar vars become labels. kubectl: zone and rack come from the topology labels, the kernel from nodeInfo.',
    'One import is all-or-nothing: any bad row rejects the whole file, listing every problem as file:line: field: problem, and the database is left untouched.',
  ].join('\n\n');

  static override examples = [
    { description: 'Import the sample fleet', command: '<%= config.bin %> <%= command.id %> playbooks/inventory/sample-fleet.yaml' },
    { description: 'Preview what a new inventory would add, change and remove', command: '<%= config.bin %> <%= command.id %> hosts.ini --prune --dry-run' },
    { description: 'Import Kubernetes nodes into cluster prod-eu', command: 'kubectl get nodes -o json > nodes.json && <%= config.bin %> <%= command.id %> nodes.json --cluster prod-eu' },
  ];

  static override args = {
    file: Args.string({ description: 'Inventory file to import.', required: true }),
  };

  static override flags = {
    format: formatFlag,
    cluster: Flags.string({ summary: 'Cluster for hosts the file leaves without one.' }),
    prune: Flags.boolean({ summary: 'Remove hosts that are not in the file.', default: false }),
    'dry-run': Flags.boolean({ summary: 'Show what would change; write nothing.', default: false }),
    reason: reasonFlag,
  };

  async run(): Promise<ImportResult> {
    const { args, flags } = await this.parse(FleetImport);
    const result = importInventory({
      dbPath: flags.db,
      file: args.file,
      ...(flags.format ? { format: flags.format } : {}),
      ...(flags.cluster ? { defaultCluster: flags.cluster } : {}),
      prune: flags.prune,
      dryRun: flags['dry-run'],
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
    });
    this.addWarnings(result.warnings);
    return this.output(result, renderImport);
  }
}
