import { Flags } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { FleetwaveError } from '../../errors.js';
import { renderVerification } from '../../cli/views/audit.js';
import type { ChainVerification } from '../../audit/chain.js';
import { verifyAuditTrail } from '../../services/audit-trail.js';

export default class AuditVerify extends FleetwaveCommand {
  static override summary = "Check the audit trail's hash chain: detects edited, removed or inserted events.";
  static override description = [
    'When the chain is broken, names the first events that fail.',
    'Detected without an anchor: an edited event, an inserted or removed event anywhere, the newest events removed while the recorded head still names them.',
    'Not detected without an anchor: someone with write access to the file who removes the newest events AND rewrites the head to match, or recomputes every hash after an edit. `audit anchor` prints the head to keep outside the database; `--anchor` then proves the trail still reaches it unchanged.',
  ].join('\n');
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --anchor 1234:5f2c...', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = { anchor: Flags.string({ summary: 'An anchor from `audit anchor` (EVENT_ID:SHA256): the trail must still reach that event with that hash.' }) };

  async run(): Promise<ChainVerification> {
    const { flags } = await this.parse(AuditVerify);
    const result = verifyAuditTrail({ dbPath: flags.db, ...(flags.anchor ? { anchor: flags.anchor } : {}) });
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
