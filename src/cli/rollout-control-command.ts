import { Args, Flags } from '@oclif/core';
import { systemClock } from '../adapters/clock.js';
import type { RolloutEvent } from '../rollout/rollout-machine.js';
import { controlRollout, type RolloutControlResult } from '../services/rollout-control.js';
import { FleetwaveCommand } from './base-command.js';
import { renderControl } from './views/rollout-run.js';

/** pause, resume, abort and rollback: one operator request each, with a required reason. */
export abstract class RolloutControlCommand extends FleetwaveCommand {
  static override args = { name: Args.string({ description: 'The rollout.', required: true }) };
  static override flags = { reason: Flags.string({ summary: 'Why; recorded in the audit trail and sent to the webhook.', env: 'FLEETWAVE_REASON', required: true }) };

  protected async control(db: string, name: string, event: RolloutEvent, reason: string): Promise<RolloutControlResult> {
    const result = await controlRollout({ dbPath: db, name, event, reason, clock: systemClock });
    return this.output(result, renderControl);
  }
}
