import { FleetwaveCommand } from '../../cli/base-command.js';
import { atFlag, whereFlag } from '../../cli/flags.js';
import { systemClock } from '../../adapters/clock.js';
import { renderHostList } from '../../cli/views/fleet.js';
import { selectHosts } from '../../services/fleet-queries.js';

export default class FleetList extends FleetwaveCommand {
  static override summary = 'List hosts, optionally filtered by a selector.';
  static override description = `Selector language (comma means AND):
  key=value, key!=value     exact match; * and ? are globs (hostname=web-*)
  key~regex, key!~regex     regular expression (kernel~^5\\.15)
  key in (a,b), key notin (a,b)
  key, !key                 the field or label is set / not set

Keys: hostname, address, port, user, cluster, zone, rack, kernel, default_kernel, cni, netkit (true/false), or any label key (labels.KEY when a label shares a field's name). A field that is not set compares as "".`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --where 'zone=eu-1a,rack!=r07'",
    "<%= config.bin %> <%= command.id %> --where 'kernel~^5\\.15,cni=veth,group.web' --json",
    '<%= config.bin %> <%= command.id %> --at 2026-11-01 --where cni=netkit',
  ];

  static override flags = { where: whereFlag, at: atFlag };

  async run(): Promise<ReturnType<typeof selectHosts>> {
    const { flags } = await this.parse(FleetList);
    const selected = selectHosts({ dbPath: flags.db, ...(flags.where ? { where: flags.where } : {}), ...(flags.at ? { at: flags.at } : {}), clock: systemClock });
    return this.output(selected, renderHostList);
  }
}
