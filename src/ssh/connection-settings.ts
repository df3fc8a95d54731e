/**
 * How to reach one host, resolved like OpenSSH would, with the inventory's per-host values on
 * top: inventory > ~/.ssh/config (Host patterns) > defaults. Pure: config lookups come in as data.
 */
export interface SshConfigValues {
  HostName?: string;
  User?: string;
  Port?: string;
  IdentityFile?: string | string[];
  IdentitiesOnly?: string;
  IdentityAgent?: string;
  ProxyJump?: string;
  UserKnownHostsFile?: string | string[];
  ConnectTimeout?: string;
}

export interface InventoryTarget {
  hostname: string;
  address: string;
  port: number | null;
  user: string | null;
}

export interface LocalEnvironment {
  home: string;
  localUser: string;
  agentSocket: string | null;
}

export interface JumpHost {
  /** The name as written in ProxyJump, looked up in the ssh config like any host. */
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  knownHostsFiles: string[];
  agentSocket: string | null;
}

export interface ConnectionSettings extends JumpHost {
  hostname: string;
  /** Jump hosts in the order they are passed through (ProxyJump a,b: a first). */
  jumps: JumpHost[];
}

const DEFAULT_IDENTITIES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
const DEFAULT_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(/\s+/)).filter(Boolean);
}

function expandTokens(value: string, tokens: Record<string, string>, env: LocalEnvironment): string {
  const tilde = value.startsWith('~/') ? `${env.home}${value.slice(1)}` : value;
  return tilde.replace(/%(.)/g, (whole, token: string) => (token === '%' ? '%' : (tokens[token] ?? whole)));
}

function resolveHop(alias: string, explicit: { host?: string; port?: number; user?: string }, config: SshConfigValues, env: LocalEnvironment): JumpHost {
  const host = explicit.host ?? config.HostName ?? alias;
  const user = explicit.user ?? config.User ?? env.localUser;
  const port = explicit.port ?? (config.Port ? Number(config.Port) : 22);
  const tokens = { h: host, u: env.localUser, r: user, d: env.home, p: String(port), n: alias };
  const configured = list(config.IdentityFile).map((file) => expandTokens(file, tokens, env));
  const identitiesOnly = config.IdentitiesOnly?.toLowerCase() === 'yes';
  const identityFiles = identitiesOnly || configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((file) => expandTokens(file, tokens, env));
  const knownHosts = list(config.UserKnownHostsFile);
  const agentSetting = config.IdentityAgent;
  const agentSocket = agentSetting === undefined ? env.agentSocket : agentSetting.toLowerCase() === 'none' ? null : expandTokens(agentSetting, tokens, env);
  return {
    alias,
    host,
    port,
    user,
    identityFiles,
    knownHostsFiles: (knownHosts.length > 0 ? knownHosts : DEFAULT_KNOWN_HOSTS).map((file) => expandTokens(file, tokens, env)),
    agentSocket,
  };
}

/** `user@host:port`, `host:port`, `[v6]:port`, `host` as ProxyJump writes them. */
export function parseJumpSpec(spec: string): { alias: string; user?: string; port?: number } {
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  const rest = at >= 0 ? spec.slice(at + 1) : spec;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(rest);
  const match = bracketed ?? plain;
  const alias = match?.[1] ?? rest;
  const port = match?.[2] ? Number(match[2]) : undefined;
  return { alias, ...(user ? { user } : {}), ...(port ? { port } : {}) };
}

export function resolveConnection(target: InventoryTarget, lookup: (alias: string) => SshConfigValues, env: LocalEnvironment): ConnectionSettings {
  const config = lookup(target.hostname);
  // The inventory's address wins unless it merely repeats the hostname (then ssh config's HostName may say more).
  const explicitHost = target.address !== target.hostname ? target.address : undefined;
  const hop = resolveHop(
    target.hostname,
    { ...(explicitHost ? { host: explicitHost } : {}), ...(target.port !== null ? { port: target.port } : {}), ...(target.user !== null ? { user: target.user } : {}) },
    config,
    env,
  );
  const jumpSpecs =
    config.ProxyJump && config.ProxyJump.toLowerCase() !== 'none'
      ? config.ProxyJump.split(',')
          .map((spec) => spec.trim())
          .filter(Boolean)
      : [];
  const jumps = jumpSpecs.map((spec) => {
    const parsed = parseJumpSpec(spec);
    return resolveHop(parsed.alias, { ...(parsed.user ? { user: parsed.user } : {}), ...(parsed.port ? { port: parsed.port } : {}) }, lookup(parsed.alias), env);
  });
  return { ...hop, hostname: target.hostname, jumps };
}
