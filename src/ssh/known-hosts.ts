import { createHash, createHmac } from 'node:crypto';
import { globToRegExp } from '../glob.js';

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  /** Plain patterns (`web1,10.0.0.1`, `[host]:2222`, `*.dc1`) or one hashed `|1|salt|hash`. */
  hostPatterns: string[];
  keyType: string;
  /** The key blob, base64, exactly as written in the file. */
  keyBase64: string;
  marker: '@revoked' | '@cert-authority' | null;
  source: string;
}

export function parseKnownHosts(text: string, source: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0] === '@revoked' || fields[0] === '@cert-authority' ? (fields.shift() as '@revoked' | '@cert-authority') : null;
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    entries.push({ hostPatterns: hosts.split(','), keyType, keyBase64, marker, source: `${source}:${index + 1}` });
  });
  return entries;
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

const compiledGlobs = new Map<string, RegExp>();

function globMatches(pattern: string, name: string): boolean {
  let regex = compiledGlobs.get(pattern);
  if (!regex) {
    regex = globToRegExp(pattern, 'i');
    compiledGlobs.set(pattern, regex);
  }
  return regex.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatches(pattern, name);
}

/** OpenSSH semantics: a `!pattern` match excludes the line even if another pattern matches. */
export function entryMatches(entry: KnownHostEntry, names: readonly string[]): boolean {
  return names.some((name) => {
    let matched = false;
    for (const pattern of entry.hostPatterns) {
      if (pattern.startsWith('!')) {
        if (patternMatches(pattern.slice(1), name)) return false;
      } else if (patternMatches(pattern, name)) matched = true;
    }
    return matched;
  });
}

/** SHA256:base64 without padding, the format `ssh-keygen -l` and OpenSSH's warnings print. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string inside the SSH wire-format key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('ascii');
}

/**
 * A known_hosts file parsed once, with entries whose patterns are all plain names indexed by
 * name; only hashed, wildcard or negated entries are scanned per lookup.
 */
export class KnownHostsIndex {
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly scanned: KnownHostEntry[] = [];

  constructor(entries: readonly KnownHostEntry[]) {
    for (const entry of entries) {
      const plain = entry.hostPatterns.every((pattern) => !/[*?!|]/.test(pattern));
      if (!plain) {
        this.scanned.push(entry);
        continue;
      }
      for (const pattern of entry.hostPatterns) {
        const key = pattern.toLowerCase();
        const entries = this.byName.get(key);
        if (entries) entries.push(entry);
        else this.byName.set(key, [entry]);
      }
    }
  }

  lookup(names: readonly string[]): KnownHostEntry[] {
    const found = new Set<KnownHostEntry>();
    for (const name of names) for (const entry of this.byName.get(name.toLowerCase()) ?? []) found.add(entry);
    for (const entry of this.scanned) if (entryMatches(entry, names)) found.add(entry);
    return [...found];
  }
}
