import { FleetwaveCommand } from '../../cli/base-command.js';
import { FleetwaveError } from '../../errors.js';
import { renderVerification } from '../../cli/views/audit.js';
import type { ChainVerification } from '../../audit/chain.js';
import { verifyAuditTrail } from '../../services/audit-trail.js';

export default class AuditVerify extends FleetwaveCommand {
  static override summary = "Check the audit trail's hash chain: detects edited, removed or inserted events.";
  static override description = 'Exits 0 when the chain is intact and 6 when it is broken, naming the first events that fail.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<ChainVerification> {
    const { flags } = await this.parse(AuditVerify);
    const result = verifyAuditTrail({ dbPath: flags.db });
    if (!result.ok) {
      throw new FleetwaveError(
        'AUDIT_CHAIN_BROKEN',
        `the audit trail has been tampered with (${result.eventsChecked} events checked):\n${result.problems.map((problem) => `  event ${problem.eventId}: ${problem.problem}`).join('\n')}`,
        { suggestions: ['Restore the database from a backup and compare; do not append to a broken trail.'], details: result },
      );
    }
    return this.output(result, renderVerification);
  }
}
