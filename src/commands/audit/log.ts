import { Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { sinceFlag, untilFlag } from '../../cli/flags.js';
import { renderAuditLog } from '../../cli/views/audit.js';
import { readAuditLog } from '../../services/audit-trail.js';

export default class AuditLog extends FleetwaveCommand {
  static override summary = 'Read the audit trail: who did what, when, to which host, and why.';
  static override description =
    'Shows the newest --limit matching events, oldest first. --ndjson writes one JSON event per line for export and, unless --limit is given, exports every matching event.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --host web-01',
    "<%= config.bin %> <%= command.id %> --action 'host.*' --since 24h",
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --until 2026-11-08 --ndjson > audit-week45.ndjson',
  ];

  static override flags = {
    host: Flags.string({ summary: 'Only events about this host.' }),
    action: Flags.string({ summary: "Only these actions; globs allowed ('host.*')." }),
    since: sinceFlag,
    until: untilFlag,
    limit: Flags.integer({ summary: 'Newest N events; 0 for all. Default 100 (all with --ndjson).', min: 0 }),
    ndjson: Flags.boolean({ summary: 'One JSON event per line, for export.', default: false, exclusive: ['json'] }),
  };

  async run(): Promise<ReturnType<typeof readAuditLog>> {
    const { flags } = await this.parse(AuditLog);
    const page = readAuditLog({
      dbPath: flags.db,
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.action ? { action: flags.action } : {}),
      ...(flags.since ? { since: flags.since } : {}),
      ...(flags.until ? { until: flags.until } : {}),
      limit: flags.limit ?? (flags.ndjson ? 0 : 100),
      clock: systemClock,
    });
    if (flags.ndjson) return this.output(page, (result) => result.events.map((event) => JSON.stringify(event)).join('\n'));
    return this.output(page, renderAuditLog);
  }
}
