/**
 * Whether to trust the key a host presents. Pure: the caller gathers what known_hosts files and
 * the database say about this host, and performs the verdict (refuse, connect, or pin then connect).
 */
export interface PresentedKey {
  keyType: string;
  keyBase64: string;
  fingerprint: string;
}

export interface TrustedKey {
  keyType: string;
  keyBase64: string;
  fingerprint: string;
  /** Where the trust comes from: a known_hosts file and line, or the database pin. */
  source: string;
  revoked?: boolean;
}

export type HostKeyVerdict =
  { verdict: 'trusted'; source: string } | { verdict: 'pin-new' } | { verdict: 'unknown' } | { verdict: 'mismatch'; expected: TrustedKey[] } | { verdict: 'revoked'; source: string };

export function judgeHostKey(presented: PresentedKey, trusted: readonly TrustedKey[], acceptNew: boolean): HostKeyVerdict {
  const revoked = trusted.find((key) => key.revoked && key.keyBase64 === presented.keyBase64);
  if (revoked) return { verdict: 'revoked', source: revoked.source };
  const usable = trusted.filter((key) => !key.revoked);
  const same = usable.find((key) => key.keyBase64 === presented.keyBase64);
  if (same) return { verdict: 'trusted', source: same.source };
  // Like OpenSSH: any other key on record for this host, of any type, means the key changed.
  if (usable.length > 0) return { verdict: 'mismatch', expected: usable };
  return acceptNew ? { verdict: 'pin-new' } : { verdict: 'unknown' };
}
