import { AnsibleInventoryModel, resolveAnsibleInventory, type PlacedValue } from './ansible-model.js';
import { isPlainObject, type StructuredDocument } from '../documents/structured-document.js';
import type { ParsedSource } from './source.js';
import type { FieldPath } from '../documents/problem.js';

const GROUP_KEYS = new Set(['hosts', 'vars', 'children']);

/** True for Ansible's YAML shape: top-level groups (usually `all`) holding hosts/vars/children. */
export function looksLikeAnsibleYaml(value: unknown): boolean {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return false;
  return Object.values(value).every((group) => group === null || (isPlainObject(group) && Object.keys(group).every((key) => GROUP_KEYS.has(key))));
}

function placedVars(document: StructuredDocument, path: FieldPath, vars: unknown): Map<string, PlacedValue> {
  const placed = new Map<string, PlacedValue>();
  if (!isPlainObject(vars)) return placed;
  for (const [key, value] of Object.entries(vars)) placed.set(key, { value, line: document.lineOf([...path, key]) });
  return placed;
}

export function readAnsibleYaml(document: StructuredDocument): ParsedSource {
  const model = new AnsibleInventoryModel();
  const visit = (name: string, body: unknown, path: FieldPath, seen: Set<string>) => {
    const group = model.group(name);
    if (body === null || body === undefined) return;
    if (!isPlainObject(body)) {
      model.problems.push({ line: document.lineOf(path), field: null, problem: `group ${name} must be a mapping of hosts, vars and children` });
      return;
    }
    for (const key of Object.keys(body)) {
      if (!GROUP_KEYS.has(key)) model.problems.push({ line: document.lineOf([...path, key]), field: key, problem: `unknown key in group ${name} (expected hosts, vars, children)` });
    }
    for (const [key, value] of placedVars(document, [...path, 'vars'], body.vars)) group.vars.set(key, value);
    if (isPlainObject(body.hosts)) {
      for (const [pattern, hostVars] of Object.entries(body.hosts)) {
        const hostPath = [...path, 'hosts', pattern];
        model.addHosts(name, pattern, placedVars(document, hostPath, hostVars), document.lineOf(hostPath));
      }
    } else if (body.hosts !== undefined && body.hosts !== null) {
      model.problems.push({ line: document.lineOf([...path, 'hosts']), field: 'hosts', problem: 'hosts must be a mapping of host name to vars' });
    }
    if (isPlainObject(body.children)) {
      for (const [child, childBody] of Object.entries(body.children)) {
        group.children.add(child);
        // A group that is its own ancestor is a cycle: the resolver reports it, so do not recurse.
        if (!seen.has(child)) visit(child, childBody, [...path, 'children', child], new Set([...seen, child]));
      }
    }
  };
  for (const [name, body] of Object.entries(document.value as Record<string, unknown>)) visit(name, body, [name], new Set([name]));
  return resolveAnsibleInventory(model);
}
