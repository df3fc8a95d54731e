import { z } from 'zod';

/**
 * An ACL for pod traffic, as users write it (YAML or JSON). It judges what a pod SENDS, by
 * destination: the program sits on the netkit peer (or tcx on a veth pod's host side), the place
 * every packet leaving the pod passes. Within a rule set the most specific match wins, as in a
 * routing table: a rule naming protocol and port beats one naming only the protocol, which beats
 * one for any protocol; among those, the longest prefix wins. Two rules for the same destination,
 * protocol and port are an error, so the order of rules never matters.
 */

/** Rule ids 1 .. MAX_RULES index per-rule counters; 0 counts packets no rule matched (bpf/acl.bpf.c). */
export const MAX_RULES = 4095;

export const PROTOCOL_NUMBERS = { any: 0, icmp: 1, tcp: 6, udp: 17 } as const;
export type AclProtocol = keyof typeof PROTOCOL_NUMBERS;

export interface Ipv4Cidr {
  /** The network address as a 32-bit unsigned number. */
  address: number;
  prefixLength: number;
}

export function parseIpv4Cidr(text: string): { cidr: Ipv4Cidr } | { problem: string } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!match) return { problem: `${JSON.stringify(text)} is not an IPv4 address or CIDR such as 10.0.0.0/8` };
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return { problem: `${text}: each part of an IPv4 address is 0-255` };
  const prefixLength = match[5] === undefined ? 32 : Number(match[5]);
  if (prefixLength > 32) return { problem: `${text}: the prefix length is 0-32` };
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  if ((address & mask) >>> 0 !== address) {
    return { problem: `${text} has bits set beyond its /${prefixLength} prefix; did you mean ${formatIpv4((address & mask) >>> 0)}/${prefixLength}?` };
  }
  return { cidr: { address, prefixLength } };
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.');
}

const CidrSchema = z.string().transform((text, context) => {
  const parsed = parseIpv4Cidr(text);
  if ('problem' in parsed) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: parsed.problem });
    return z.NEVER;
  }
  return parsed.cidr;
});

export const AclRuleSchema = z
  .strictObject({
    /** Shown beside the rule's counters; letters, digits, ".", "_", "-". */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, ".", "_" and "-", at most 63')
      .optional(),
    action: z.enum(['allow', 'deny']),
    /** The destination: an IPv4 address or CIDR. */
    to: CidrSchema,
    protocol: z.enum(['any', 'icmp', 'tcp', 'udp']).default('any'),
    /** A destination port; only with protocol tcp or udp. */
    port: z.number().int().min(1).max(65535).optional(),
  })
  .superRefine((rule, context) => {
    if (rule.port !== undefined && rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['port'], message: 'a port needs protocol tcp or udp' });
    }
  });
export type AclRule = z.infer<typeof AclRuleSchema>;

export const AclRuleSetSchema = z
  .strictObject({
    /** What happens to packets no rule matches. */
    defaultAction: z.enum(['allow', 'deny']).default('allow'),
    rules: z.array(AclRuleSchema).max(MAX_RULES, `at most ${MAX_RULES} rules in one set`).default([]),
  })
  .superRefine((set, context) => {
    const seen = new Map<string, number>();
    const names = new Map<string, number>();
    set.rules.forEach((rule, index) => {
      const key = matchKey(rule);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        context.addIssue({ code: z.ZodIssueCode.custom, path: ['rules', index], message: `matches exactly what rule ${earlier + 1} matches (${describeMatch(rule)}); keep one` });
      } else seen.set(key, index);
      if (rule.name !== undefined) {
        const named = names.get(rule.name);
        if (named !== undefined) context.addIssue({ code: z.ZodIssueCode.custom, path: ['rules', index, 'name'], message: `the name ${rule.name} is already rule ${named + 1}'s` });
        else names.set(rule.name, index);
      }
    });
  });
export type AclRuleSet = z.infer<typeof AclRuleSetSchema>;

function matchKey(rule: AclRule): string {
  return `${rule.protocol}/${rule.port ?? 0}/${rule.to.address}/${rule.to.prefixLength}`;
}

export function describeMatch(rule: Pick<AclRule, 'to' | 'protocol' | 'port'>): string {
  const destination = `${formatIpv4(rule.to.address)}/${rule.to.prefixLength}`;
  if (rule.protocol === 'any') return `to ${destination}`;
  return `${rule.protocol} to ${destination}${rule.port !== undefined ? ` port ${rule.port}` : ''}`;
}

/** One map entry of the compiled set: what bpf/acl.bpf.c looks up, and what it answers. */
export interface AclEntry {
  /** 1-based: the rule's position in the file, and its counter slot. */
  ruleId: number;
  name: string;
  protocol: number;
  port: number;
  address: number;
  prefixLength: number;
  deny: boolean;
}

export interface CompiledAcl {
  defaultDeny: boolean;
  entries: AclEntry[];
}

/** The rule set as map entries; names default to "rule-N" so counters always have a label. */
export function compileAcl(set: AclRuleSet): CompiledAcl {
  return {
    defaultDeny: set.defaultAction === 'deny',
    entries: set.rules.map((rule, index) => ({
      ruleId: index + 1,
      name: rule.name ?? `rule-${index + 1}`,
      protocol: PROTOCOL_NUMBERS[rule.protocol],
      port: rule.port ?? 0,
      address: rule.to.address,
      prefixLength: rule.to.prefixLength,
      deny: rule.action === 'deny',
    })),
  };
}

/**
 * What the program decides for one packet, computed from the compiled set exactly as the kernel
 * looks it up: (protocol, port), then (protocol, any port), then (any protocol), longest prefix
 * first. The tests hold the real program to this oracle.
 */
export function judgePacket(acl: CompiledAcl, packet: { protocol: number; port: number; destination: number }): { deny: boolean; ruleId: number } {
  const lookups: Array<[number, number]> = [];
  if (packet.port !== 0) lookups.push([packet.protocol, packet.port]);
  lookups.push([packet.protocol, 0], [0, 0]);
  for (const [protocol, port] of lookups) {
    let best: AclEntry | undefined;
    for (const entry of acl.entries) {
      if (entry.protocol !== protocol || entry.port !== port) continue;
      const mask = entry.prefixLength === 0 ? 0 : (0xffffffff << (32 - entry.prefixLength)) >>> 0;
      if ((packet.destination & mask) >>> 0 !== entry.address) continue;
      if (!best || entry.prefixLength > best.prefixLength) best = entry;
    }
    if (best) return { deny: best.deny, ruleId: best.ruleId };
  }
  return { deny: acl.defaultDeny, ruleId: 0 };
}
