import { Args, Flags } from '@oclif/core';
import { systemClock } from '../../adapters/clock.js';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { progressFlag, reasonFlag, sshFlags, sshRunOptions } from '../../cli/flags.js';
import { renderRunResult, runProgress } from '../../cli/views/rollout-run.js';
import { runRollout, type RunRolloutResult } from '../../services/rollout-run/run-rollout.js';

export default class RolloutRun extends FleetwaveCommand {
  static override summary = 'Run a planned rollout wave by wave over SSH, until it completes, halts, or is rolled back or aborted.';
  static override description = [
    'Canary wave first, then each wave batch by batch within the spread limits, each host through the playbook; after each wave a soak with the playbook checks and the health gates.',
    "Failed hosts are rolled back automatically; a spent failure budget or a failed gate acts on the spec's onSpent policy.",
    'From another terminal, `rollout pause|resume|abort|rollback` and `fleetwave freeze` take effect within a second.',
    "Killed? Run the same command again: it takes the lease over (at once if the old runner's process is gone, else after --lease-ttl) and continues where the database says, verifying rather than repeating a reboot that may have happened.",
    'Ctrl-C (or SIGTERM) stops it cleanly after the steps in flight; a second one leaves at once.',
  ].join('\n');
  static override examples = ['<%= config.bin %> <%= command.id %> kernel-515-netkit --reason CHG-1234', '<%= config.bin %> <%= command.id %> kernel-515-netkit --json > result.json'];
  static override args = { name: Args.string({ description: 'The rollout (see rollout list).', required: true }) };
  static override flags = {
    ...sshFlags,
    reason: reasonFlag,
    progress: progressFlag,
    'lease-ttl': Flags.integer({ summary: 'Seconds without a heartbeat after which another runner may take this rollout over.', default: 30, min: 1 }),
    'poll-ms': Flags.integer({ summary: 'How often the runner re-reads operator requests, in milliseconds.', default: 200, min: 20, max: 1000, hidden: true }),
  };

  async run(): Promise<RunRolloutResult> {
    const { args, flags } = await this.parse(RolloutRun);
    // First Ctrl-C (or SIGTERM): leave cleanly after the steps in flight. Second: leave now, which
    // is as safe as kill -9 (the next run verifies what may have happened) but less tidy.
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(130);
      process.stderr.write(`\n${signal}: stopping after the steps in flight; the rollout keeps its state and \`rollout run ${args.name}\` continues it. ${signal} again to leave at once.\n`);
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = await runRollout({
      stop: stop.signal,
      dbPath: flags.db,
      name: args.name,
      ...sshRunOptions(flags),
      ...(flags.reason ? { reason: flags.reason } : {}),
      clock: systemClock,
      leaseTtlMs: flags['lease-ttl'] * 1000,
      pollMs: flags['poll-ms'],
      onProgress: runProgress(this.progress(flags.progress)),
    });
    this.addWarnings(result.warnings);
    if (result.status !== 'completed') this.setExitStatus(EXIT_CODES.rolloutStopped);
    else if (result.failed.length > 0) this.setExitStatus(EXIT_CODES.hostsFailed);
    const { warnings: _warnings, ...shown } = result;
    return this.output(shown, renderRunResult);
  }
}
