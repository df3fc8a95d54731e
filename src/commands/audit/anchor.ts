import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { auditAnchor, type AuditAnchor } from '../../services/audit-trail.js';

export default class AuditAnchorCommand extends FleetwaveCommand {
  static override summary = "Print the audit trail's head as an anchor to keep outside the database.";
  static override description =
    "Keep the anchor somewhere the database's owner cannot rewrite (a change ticket, another system). Later, `audit verify --anchor ANCHOR` fails if the trail no longer reaches that event with that hash: the one tampering the hash chain alone cannot show (the newest events removed and the head rewritten to match).";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<AuditAnchor> {
    const { flags } = await this.parse(AuditAnchorCommand);
    const result = auditAnchor({ dbPath: flags.db, clock: systemClock });
    return this.output(
      result,
      (anchor) => `${anchor.anchor}\n(event ${anchor.eventId} of the audit trail, at ${anchor.at}: keep it outside the database; check with fleetwave audit verify --anchor ${anchor.anchor})`,
    );
  }
}
