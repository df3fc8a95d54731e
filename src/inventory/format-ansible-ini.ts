import { AnsibleInventoryModel, resolveAnsibleInventory, type PlacedValue } from './ansible-model.js';
import type { ParsedSource } from './source.js';

type SectionKind = 'hosts' | 'vars' | 'children';

/** Splits a host line like a shell would: quotes group, `#` at a word start begins a comment. */
function tokenize(line: string): string[] | string {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  let inToken = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inToken = true;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else if (char === '#' && !inToken) {
      break;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (quote) return `unterminated ${quote} quote`;
  if (inToken) tokens.push(current);
  return tokens;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  const quoted = /^(['"])(.*)\1$/.exec(trimmed);
  return quoted ? quoted[2]! : trimmed;
}

/** Splits `host:port` but leaves bare IPv6 addresses alone. */
function splitHostPort(pattern: string): { name: string; port?: string } {
  const match = /^([^:\s]+):(\d+)$/.exec(pattern);
  return match ? { name: match[1]!, port: match[2]! } : { name: pattern };
}

/** Ansible's INI inventory: [group], [group:vars], [group:children], host lines with key=value vars. */
export function readAnsibleIni(text: string): ParsedSource {
  const model = new AnsibleInventoryModel();
  let section: { kind: SectionKind; group: string } = { kind: 'hosts', group: 'ungrouped' };
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = rawLine.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      const [group, suffix, extra] = header[1]!.split(':');
      if (extra !== undefined || (suffix !== undefined && suffix !== 'vars' && suffix !== 'children') || !/^[A-Za-z0-9_.-]+$/.test(group!)) {
        model.problems.push({ line, field: null, problem: `invalid section header [${header[1]}]: expected [group], [group:vars] or [group:children]` });
        return;
      }
      section = { kind: suffix === 'vars' ? 'vars' : suffix === 'children' ? 'children' : 'hosts', group: group! };
      model.group(section.group);
      return;
    }
    if (section.kind === 'vars') {
      const equals = trimmed.indexOf('=');
      if (equals <= 0) {
        model.problems.push({ line, field: null, problem: `expected key=value in [${section.group}:vars], found "${trimmed}"` });
        return;
      }
      model.group(section.group).vars.set(trimmed.slice(0, equals).trim(), { value: unquote(trimmed.slice(equals + 1)), line });
      return;
    }
    const tokens = tokenize(trimmed);
    if (typeof tokens === 'string') {
      model.problems.push({ line, field: null, problem: tokens });
      return;
    }
    if (tokens.length === 0) return;
    if (section.kind === 'children') {
      if (tokens.length > 1) model.problems.push({ line, field: null, problem: `expected one group name per line in [${section.group}:children]` });
      model.group(section.group).children.add(tokens[0]!);
      model.group(tokens[0]!);
      return;
    }
    const [pattern, ...assignments] = tokens as [string, ...string[]];
    const vars = new Map<string, PlacedValue>();
    for (const assignment of assignments) {
      const equals = assignment.indexOf('=');
      if (equals <= 0) {
        model.problems.push({ line, field: null, problem: `expected key=value after the host name, found "${assignment}"` });
        return;
      }
      vars.set(assignment.slice(0, equals), { value: assignment.slice(equals + 1), line });
    }
    const { name, port } = splitHostPort(pattern);
    if (port !== undefined && !vars.has('ansible_port')) vars.set('ansible_port', { value: port, line });
    model.addHosts(section.group, name, vars, line);
  });
  return resolveAnsibleInventory(model);
}
