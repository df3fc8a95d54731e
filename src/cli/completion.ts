/**
 * Shell completion: what may come next on a fleetwave command line. Pure: the commands (as oclif
 * knows them) and the names in the database come in as data; the hidden `__complete` command
 * feeds them, and the script `completion bash|zsh` prints calls it.
 */

export interface CompletableFlag {
  type: 'boolean' | 'option';
  options?: readonly string[];
  char?: string;
}

export interface CompletableCommand {
  /** oclif's id: topics joined by ':' (`rollout:run`). */
  id: string;
  args: ReadonlyArray<{ name: string; options?: readonly string[] }>;
  flags: Readonly<Record<string, CompletableFlag>>;
  hidden?: boolean;
}

/** Names only the database knows, read when a position asks for them. */
export interface DynamicNames {
  rollouts(prefix: string): string[];
  hostnames(prefix: string): string[];
}

/** Tells the shell to complete file names itself. */
export const FILES = '__files__';

/** Which database names fit a positional argument or a flag value, by its name. */
const ROLLOUT_ARGS = new Set(['name']);
// Names of fleetwave's own arguments and flags (debug dump HOSTS..., fleet show HOSTNAME, audit log --host).
const HOST_ARGS = new Set(['hostname', 'hosts', 'host']);
const FILE_ARGS = new Set(['spec', 'file', 'rules']);
const FILE_FLAGS = new Set(['db', 'html', 'out', 'ssh-config', 'lab-dir', 'tarball', 'tree', 'git', 'work-dir', 'base-config', 'fragment', 'kernel']);

function startsWith(candidates: Iterable<string>, partial: string): string[] {
  return [...new Set(candidates)].filter((candidate) => candidate.startsWith(partial)).sort();
}

/**
 * `words`: what follows the program name, the last being the word under the cursor ('' for a new
 * one). Returns the candidates for it, or [FILES].
 */
export function complete(commands: readonly CompletableCommand[], words: readonly string[], names: DynamicNames): string[] {
  const visible = commands.filter((command) => !command.hidden);
  const partial = words.at(-1) ?? '';
  const typed = words.slice(0, -1);
  // The longest run of leading words that names a command.
  let command: CompletableCommand | undefined;
  let used = 0;
  for (let length = typed.length; length > 0 && !command; length -= 1) {
    command = visible.find((candidate) => candidate.id === typed.slice(0, length).join(':'));
    if (command) used = length;
  }
  if (!command) {
    const prefix = typed.join(':');
    const next = visible.filter((candidate) => prefix === '' || candidate.id.startsWith(`${prefix}:`)).map((candidate) => candidate.id.split(':')[typed.length]!);
    return startsWith(next.filter(Boolean), partial);
  }
  const rest = typed.slice(used);
  const previous = rest.at(-1);
  const flagOf = (word: string | undefined) => (word?.startsWith('--') ? command!.flags[word.slice(2)] : undefined);
  const valueFor = flagOf(previous);
  if (valueFor?.type === 'option' && !previous!.includes('=')) {
    const name = previous!.slice(2);
    if (valueFor.options) return startsWith(valueFor.options, partial);
    if (HOST_ARGS.has(name)) return startsWith(names.hostnames(partial), partial);
    if (FILE_FLAGS.has(name)) return [FILES];
    return [];
  }
  if (partial.startsWith('-')) return startsWith([...Object.keys(command.flags).map((flag) => `--${flag}`), '--help'], partial);
  // The how-many-th positional argument this word is: words that are not flags or flag values.
  let position = 0;
  for (let index = 0; index < rest.length; index += 1) {
    const flag = flagOf(rest[index]);
    if (flag) {
      if (flag.type === 'option' && !rest[index]!.includes('=')) index += 1;
      continue;
    }
    if (rest[index] === '--') return [];
    position += 1;
  }
  const arg = command.args[Math.min(position, command.args.length - 1)];
  if (!arg || (position >= command.args.length && !HOST_ARGS.has(arg.name))) return [];
  if (arg.options) return startsWith(arg.options, partial);
  if (ROLLOUT_ARGS.has(arg.name) && command.id.startsWith('rollout:')) return startsWith(names.rollouts(partial), partial);
  if (HOST_ARGS.has(arg.name)) return startsWith(names.hostnames(partial), partial);
  if (FILE_ARGS.has(arg.name)) return [FILES];
  return [];
}

/** The script a shell sources: bash, and zsh through its bash completion layer. */
export function completionScript(shell: 'bash' | 'zsh', bin: string): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  const bash = `${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} IFS=$'\\n' out
  out=$(${bin} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [ "$out" = "${FILES}" ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
  fi
}
complete -o default -F ${fn} ${bin}
`;
  const header = `# ${bin} shell completion (${shell}). Load it with: source <(${bin} completion ${shell})\n`;
  return shell === 'bash' ? `${header}${bash}` : `${header}autoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
