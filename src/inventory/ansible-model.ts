import { expandHostPattern } from './host-pattern.js';
import type { ParsedSource, SourceRecord } from './source.js';
import type { DocumentProblem } from '../documents/problem.js';

/** A variable with the line that set it, so an invalid group var is reported where it was written. */
export interface PlacedValue {
  value: unknown;
  line: number;
}

export interface AnsibleGroup {
  name: string;
  vars: Map<string, PlacedValue>;
  children: Set<string>;
  /** host name -> host vars written on that host's own line/entry in this group */
  hosts: Map<string, { vars: Map<string, PlacedValue>; line: number }>;
}

export class AnsibleInventoryModel {
  readonly groups = new Map<string, AnsibleGroup>();
  readonly problems: DocumentProblem[] = [];

  group(name: string): AnsibleGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, vars: new Map(), children: new Set(), hosts: new Map() };
      this.groups.set(name, group);
    }
    return group;
  }

  /** Adds every host a pattern such as web[01:20] names; a bad range becomes a problem on its line. */
  addHosts(groupName: string, pattern: string, vars: Map<string, PlacedValue>, line: number): void {
    let hostnames: string[];
    try {
      hostnames = expandHostPattern(pattern);
    } catch (error) {
      this.problems.push({ line, field: 'hostname', problem: (error as Error).message });
      return;
    }
    const group = this.group(groupName);
    for (const hostname of hostnames) {
      const existing = group.hosts.get(hostname);
      if (existing) for (const [key, value] of vars) existing.vars.set(key, value);
      else group.hosts.set(hostname, { vars: new Map(vars), line });
    }
  }
}

const IMPLICIT_GROUPS = new Set(['all', 'ungrouped']);
const CONNECTION_VARS: Record<string, string> = {
  ansible_host: 'address',
  ansible_ssh_host: 'address',
  ansible_port: 'port',
  ansible_ssh_port: 'port',
  ansible_user: 'user',
  ansible_ssh_user: 'user',
  cluster: 'cluster',
  zone: 'zone',
  rack: 'rack',
};

type ParentsOf = ReadonlyMap<string, readonly string[]>;

/** Child group -> the groups that list it under :children. Built once per inventory. */
function parentsOf(model: AnsibleInventoryModel): ParentsOf {
  const parents = new Map<string, string[]>();
  for (const group of model.groups.values()) {
    for (const child of group.children) {
      const known = parents.get(child);
      if (known) known.push(group.name);
      else parents.set(child, [group.name]);
    }
  }
  return parents;
}

/** Ansible's precedence: all < shallower groups < deeper groups (ties by name) < host vars. */
function groupDepths(model: AnsibleInventoryModel, parents: ParentsOf): { depths: Map<string, number>; cycle: string | null } {
  const depths = new Map<string, number>();
  let cycle: string | null = null;
  const visit = (name: string, trail: Set<string>): number => {
    if (name === 'all') return 0;
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (trail.has(name)) {
      cycle ??= [...trail, name].join(' -> ');
      return 0;
    }
    trail.add(name);
    const parentNames = (parents.get(name) ?? []).filter((parent) => parent !== 'all');
    const depth = 1 + Math.max(0, ...parentNames.map((parent) => visit(parent, trail)));
    trail.delete(name);
    depths.set(name, depth);
    return depth;
  };
  for (const name of model.groups.keys()) visit(name, new Set());
  return { depths, cycle };
}

function ancestorsOf(parents: ParentsOf, direct: Iterable<string>): Set<string> {
  const result = new Set<string>();
  const pending = [...direct];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (result.has(name)) continue;
    result.add(name);
    pending.push(...(parents.get(name) ?? []));
  }
  return result;
}

function isScalar(value: unknown): boolean {
  return ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * Flattens groups into one record per host. Groups become labels `group.NAME=true`; cluster,
 * zone, rack and the ansible_host/port/user connection vars become fields; other scalar vars
 * become labels; other ansible_* vars are connection settings and are not stored.
 */
export function resolveAnsibleInventory(model: AnsibleInventoryModel): ParsedSource {
  const parents = parentsOf(model);
  const { depths, cycle } = groupDepths(model, parents);
  const problems = [...model.problems];
  if (cycle) problems.push({ line: 1, field: null, problem: `group children form a cycle: ${cycle}` });

  const membership = new Map<string, { groups: Set<string>; line: number }>();
  for (const group of model.groups.values()) {
    for (const [hostname, entry] of group.hosts) {
      const member = membership.get(hostname);
      if (member) member.groups.add(group.name);
      else membership.set(hostname, { groups: new Set([group.name]), line: entry.line });
    }
  }

  const skippedVars = new Set<string>();
  const records: SourceRecord[] = [];
  for (const [hostname, member] of membership) {
    const groups = ancestorsOf(parents, member.groups);
    groups.add('all');
    const ordered = [...groups].sort((a, b) => (depths.get(a) ?? 0) - (depths.get(b) ?? 0) || a.localeCompare(b));
    const vars = new Map<string, PlacedValue>();
    for (const name of ordered) for (const [key, value] of model.groups.get(name)?.vars ?? []) vars.set(key, value);
    for (const name of member.groups) for (const [key, value] of model.groups.get(name)!.hosts.get(hostname)!.vars) vars.set(key, value);

    const raw: Record<string, unknown> = { hostname };
    const labels: Record<string, unknown> = {};
    const fieldLines = new Map<string, number>();
    for (const name of groups) if (!IMPLICIT_GROUPS.has(name)) labels[`group.${name}`] = 'true';
    for (const [key, placed] of vars) {
      const field = CONNECTION_VARS[key];
      if (field) {
        raw[field] = placed.value;
        fieldLines.set(field, placed.line);
      } else if (key.startsWith('ansible_')) {
        continue;
      } else if (isScalar(placed.value)) {
        labels[key] = placed.value;
        fieldLines.set(`labels.${key}`, placed.line);
      } else {
        skippedVars.add(key);
      }
    }
    raw.labels = labels;
    records.push({
      raw,
      lineOf: (path) => fieldLines.get(path.join('.')) ?? fieldLines.get(String(path[0])) ?? member.line,
    });
  }
  const warnings = skippedVars.size > 0 ? [`not stored as labels (lists and mappings cannot be selected on): ${[...skippedVars].sort().join(', ')}`] : [];
  return { records, problems, warnings };
}
