import { Args } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { reasonFlag } from '../../cli/flags.js';
import { clearHostKey, type ClearHostKeyResult } from '../../services/host-keys.js';

export default class FleetClearHostKey extends FleetwaveCommand {
  static override summary = 'Forget the host key fleetwave pinned for a host (after checking it was really reinstalled).';
  static override description =
    'A changed host key is always refused. When the change is legitimate, clear the pin here (audited), then reconnect with --accept-new to pin the new key. Keys in known_hosts files are not touched: use ssh-keygen -R for those.';
  static override examples = ["<%= config.bin %> <%= command.id %> web-07 --reason 'reinstalled, ticket OPS-1234'"];
  static override args = { hostname: Args.string({ description: 'The host whose pin to clear.', required: true }) };
  static override flags = { reason: reasonFlag };

  async run(): Promise<ClearHostKeyResult> {
    const { args, flags } = await this.parse(FleetClearHostKey);
    const result = clearHostKey({ dbPath: flags.db, hostname: args.hostname, ...(flags.reason ? { reason: flags.reason } : {}), clock: systemClock });
    return this.output(result, (done) => `${done.hostname}: ${done.keysCleared} pinned key${done.keysCleared === 1 ? '' : 's'} cleared; reconnect with --accept-new to pin the new one`);
  }
}
