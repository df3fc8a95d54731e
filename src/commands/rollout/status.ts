import { Args, Flags } from '@oclif/core';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { renderRolloutStatus } from '../../cli/views/rollout-run.js';
import { HOST_STATUSES, type HostState } from '../../rollout/host-machine.js';
import { ROLLOUT_TERMINAL } from '../../rollout/rollout-machine.js';
import { rolloutStatus, type RolloutStatusResult } from '../../services/rollout-status.js';

export default class RolloutStatus extends FleetwaveCommand {
  static override summary = "Show a rollout: its waves' progress, each host's state, its runner and its latest events.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> kernel-515-netkit',
    '<%= config.bin %> <%= command.id %> kernel-515-netkit --watch',
    '<%= config.bin %> <%= command.id %> kernel-515-netkit --json',
    '<%= config.bin %> <%= command.id %> kernel-515-netkit --state failed --state rollback-failed',
    '<%= config.bin %> <%= command.id %> kernel-515-netkit --limit 500 --offset 1000 --json',
  ];
  static override args = { name: Args.string({ description: 'The rollout.', required: true }) };
  static override flags = {
    watch: Flags.boolean({
      summary: 'Read it again every second until the rollout ends and its runner stops (Ctrl-C to leave): redrawn on a terminal; with --json, one JSON document per line (NDJSON).',
      default: false,
    }),
    'all-hosts': Flags.boolean({ summary: 'List every host, pending ones included (the same as --limit 0).', default: false }),
    state: Flags.string({ summary: 'List only hosts in this state (repeatable).', options: [...HOST_STATUSES], multiple: true }),
    limit: Flags.integer({ summary: 'List at most this many hosts (0: all); counts always cover every host.', default: 1000, min: 0 }),
    offset: Flags.integer({ summary: 'Skip this many hosts first, to page through a big rollout.', default: 0, min: 0 }),
    events: Flags.integer({ summary: 'How many of the latest events to show.', default: 10, min: 0 }),
  };

  async run(): Promise<RolloutStatusResult> {
    const { args, flags } = await this.parse(RolloutStatus);
    const hosts = { ...(flags.state ? { states: flags.state as HostState['status'][] } : {}), limit: flags['all-hosts'] ? 0 : flags.limit, offset: flags.offset };
    const listed = { allHosts: flags['all-hosts'] || flags.state !== undefined };
    const read = () => rolloutStatus({ dbPath: flags.db, name: args.name, events: flags.events, now: new Date(), hosts });
    const render = (status: RolloutStatusResult) => renderRolloutStatus(status, listed);
    if (flags.watch) return this.watch(read, render, (status) => ROLLOUT_TERMINAL.has(status.rollout.status) && !status.runner?.alive);
    const result = read();
    return this.output(result, render);
  }
}
