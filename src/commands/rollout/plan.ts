import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { reasonFlag } from '../../cli/flags.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { renderRolloutPlan } from '../../cli/views/rollout.js';
import { planRolloutFromFile, type RolloutPlanResult } from '../../services/rollout-plan.js';

export default class RolloutPlan extends FleetwaveCommand {
  static override summary = 'Plan a rollout: assign the selected hosts to waves, say which hosts it leaves out and why, and save it as planned (unless --dry-run).';
  static override description =
    'Canaries first, then waves by count or percentage (the last size repeats), each split into batches that keep the spread limits in flight; hosts are interleaved across zones and racks, and the same input always gives the same plan. Excluded: hosts already at the target, quarantined (label fleetwave/quarantine), or, for a CNI rollout to netkit, whose kernel cannot run it. Unless --dry-run, the rollout is saved as planned, its hosts are locked (a host belongs to at most one active rollout) and everything it uploads is pinned by sha256; run it with `fleetwave rollout run NAME`. Placeholders that could become shell syntax, or that nothing fills, fail the plan naming the step.';
  static override examples = ['<%= config.bin %> <%= command.id %> playbooks/rollouts/kernel-5.15-netkit.yaml', '<%= config.bin %> <%= command.id %> my-rollout.yaml --json'];
  static override args = { spec: Args.string({ description: 'Rollout spec (YAML or JSON).', required: true }) };
  static override flags = {
    'dry-run': Flags.boolean({ summary: 'Show the plan; save nothing, lock nothing.', default: false }),
    reason: reasonFlag,
  };

  async run(): Promise<RolloutPlanResult> {
    const { args, flags } = await this.parse(RolloutPlan);
    const result = planRolloutFromFile({ dbPath: flags.db, file: args.spec, dryRun: flags['dry-run'], ...(flags.reason ? { reason: flags.reason } : {}), clock: systemClock });
    if (result.plan.problems.length > 0) this.setExitStatus(EXIT_CODES.invalidInput);
    return this.output(result, renderRolloutPlan);
  }
}
