import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { FleetwaveError } from '../../errors.js';
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
  // First obtained value wins across files too, as with several -F files.
  return (alias) => Object.assign({}, ...configs.map((config) => config.compute(alias)).reverse()) as SshConfigValues;
}
