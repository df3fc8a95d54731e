import { existsSync } from 'node:fs';
import { FleetwaveCommand } from '../cli/base-command.js';
import { complete, type CompletableCommand } from '../cli/completion.js';
import { withStore } from '../adapters/store/store.js';

/** Host names offered at once: a shell shows no more usefully. */
const MAX_HOSTNAMES = 1000;

/** The database the line being completed names (--db X, --db=X), else FLEETWAVE_DB, else the default. */
function databaseOf(words: readonly string[]): string {
  for (let index = 0; index < words.length; index += 1) {
    if (words[index] === '--db' && words[index + 1] !== undefined) return words[index + 1]!;
    if (words[index]!.startsWith('--db=')) return words[index]!.slice('--db='.length);
  }
  return process.env.FLEETWAVE_DB ?? 'fleetwave.db';
}

export default class CompleteWords extends FleetwaveCommand {
  static override hidden = true;
  static override strict = false;
  static override summary = 'Candidates for the word under the cursor (called by the completion script).';
  static override examples = ["<%= config.bin %> <%= command.id %> -- rollout status ''"];

  async run(): Promise<string[]> {
    const separator = this.argv.indexOf('--');
    const words = separator === -1 ? this.argv : this.argv.slice(separator + 1);
    const commands: CompletableCommand[] = this.config.commands.map((command) => ({
      id: command.id,
      hidden: command.hidden,
      args: Object.values(command.args).map((arg) => ({ name: arg.name, ...(arg.options ? { options: arg.options } : {}) })),
      flags: Object.fromEntries(Object.entries(command.flags).map(([name, flag]) => [name, { type: flag.type, ...(flag.type === 'option' && flag.options ? { options: flag.options } : {}) }])),
    }));
    const db = databaseOf(words);
    // Completion never creates or changes a database, and says nothing when there is none.
    const fromDb = <T>(read: Parameters<typeof withStore<T>>[1], none: T): T => (existsSync(db) ? withStore({ path: db, create: false }, read) : none);
    const candidates = complete(commands, words.length === 0 ? [''] : words, {
      rollouts: (prefix) =>
        fromDb(
          (store) =>
            store.rollouts
              .list()
              .map((rollout) => rollout.name)
              .filter((name) => name.startsWith(prefix)),
          [],
        ),
      hostnames: (prefix) => fromDb((store) => store.hosts.namesStartingWith(prefix, MAX_HOSTNAMES), []),
    });
    return this.output(candidates, (list) => list.join('\n'));
  }
}
