import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { FleetwaveError } from '../../errors.js';
import { globToRegExp } from '../../glob.js';
import type { LocalEnvironment, SshConfigValues } from '../../ssh/connection-settings.js';

export function localEnvironment(): LocalEnvironment {
  return { home: homedir(), localUser: userInfo().username, agentSocket: process.env.SSH_AUTH_SOCK || null };
}

/**
 * The user's OpenSSH client config, read once per run. `explicit` (--ssh-config or
 * FLEETWAVE_SSH_CONFIG, colon-separated) replaces ~/.ssh/config, like `ssh -F`.
 */
export function loadSshConfig(explicit: string | undefined, env: LocalEnvironment): (alias: string) => SshConfigValues {
  const files = explicit ? explicit.split(':').filter(Boolean) : [path.join(env.home, '.ssh', 'config')].filter((file) => existsSync(file));
  const configs = files.map((file) => {
    try {
      return SSHConfig.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new FleetwaveError('SSH_CONFIG_INVALID', `cannot read ssh config ${file}: ${(error as Error).message}`, {
        suggestions: ['Check the path given with --ssh-config or FLEETWAVE_SSH_CONFIG.'],
      });
    }
  });
  const narrowers = configs.map(sectionsFor);
  // First obtained value wins across files too, as with several -F files.
  return (alias) => Object.assign({}, ...narrowers.map((narrow) => narrow(alias).compute(alias)).reverse()) as SshConfigValues;
}

/**
 * The ssh config lookup for each host. A lab host (labelled lab=NAME) is reached through the
 * config its lab recorded (`lab up`) alone: a user's `Host *` (a ProxyJump, another User) must not
 * bend the way to a lab. Every other host goes by the user's config, which still decides for the
 * user's own hosts. An explicit --ssh-config (FLEETWAVE_SSH_CONFIG) decides for every host, as
 * `ssh -F` does. A lab config whose file is gone (its directory removed by hand) is passed over.
 */
export function sshConfigLookups(
  explicit: string | undefined,
  env: LocalEnvironment,
  labConfigs: ReadonlyMap<string, string>,
): (labels: Readonly<Record<string, string>>) => (alias: string) => SshConfigValues {
  const user = loadSshConfig(explicit, env);
  if (explicit) return () => user;
  const labs = new Map([...labConfigs].filter(([, file]) => existsSync(file)).map(([lab, file]) => [lab, loadSshConfig(file, env)]));
  return (labels) => (labels.lab === undefined ? undefined : labs.get(labels.lab)) ?? user;
}

type ParsedConfig = ReturnType<typeof SSHConfig.parse>;
type ConfigLine = ParsedConfig[number];

/**
 * ssh-config's compute() tests every Host block and rebuilds a dozen RegExps per pattern per
 * test: with one block per host that is O(hosts^2) RegExp constructions per run. Here patterns
 * are compiled once, and compute() only sees the Host blocks that can match the alias (plus
 * global lines and Match blocks), which gives the same result.
 */
function sectionsFor(config: ParsedConfig): (alias: string) => ParsedConfig {
  const lines = [...config].map((line: ConfigLine) => {
    const isHost = 'param' in line && typeof line.param === 'string' && line.param.toLowerCase() === 'host' && Array.isArray(line.value);
    if (!isHost) return { line, matches: (_alias: string) => true };
    const patterns = (line.value as { val: string }[]).map((part) => ({ negated: part.val.startsWith('!'), regex: globToRegExp(part.val.replace(/^!/, '')) }));
    return {
      line,
      matches: (alias: string) => !patterns.some((p) => p.negated && p.regex.test(alias)) && patterns.some((p) => !p.negated && p.regex.test(alias)),
    };
  });
  return (alias) => {
    const narrowed = SSHConfig.parse('');
    narrowed.push(...lines.filter((entry) => entry.matches(alias)).map((entry) => entry.line));
    return narrowed;
  };
}
