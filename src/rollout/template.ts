import path from 'node:path';
import { placeholderContexts } from './shell-context.js';

/**
 * `{{ name }}` placeholders in playbook commands and upload paths.
 *
 * In a command a placeholder may stand only where the shell reads a plain word (outside quotes,
 * heredocs, comments, `${...}` and `$((...))`; inside `$(...)` is fine): there it is inserted as
 * one single-quoted word, so no value can become shell syntax. Anywhere else it is refused at plan
 * time (see shell-context.ts). A nested script (`sh -c '...'`) reads values from the environment
 * instead: every command starts by exporting them as FLEETWAVE_* variables (see `environmentOf`).
 *
 * In an upload path, a value from the inventory or from a host (`host.*`, `registered.*`) may not
 * leave the directory the literal part before it names; values the spec author wrote (`target`,
 * `rollout`, `vars.*`) are the author's paths and stay theirs.
 *
 * `{{` always opens a placeholder; a malformed one is an error. Write a literal `{{` as `{{ '{{' }}`.
 */
export interface TemplateScope {
  target: string;
  rollout: string;
  host: { hostname: string; address: string; cluster: string | null; zone: string | null; rack: string | null };
  vars: Readonly<Record<string, string>>;
  registered: Readonly<Record<string, string>>;
}

export class TemplateError extends Error {
  /** `unregistered`: a registered value whose step never ran on this host. */
  constructor(
    message: string,
    readonly kind: 'unregistered' | 'invalid' = 'invalid',
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export const HOST_FIELDS = ['hostname', 'address', 'cluster', 'zone', 'rack'] as const;
const NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?$/;
const LITERAL = /^\s*'(\{\{|\}\})'\s*\}\}/;
const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'placeholder'; name: string; offset: number } | { kind: 'literal'; text: string; offset: number };

/** Splits a template into text and placeholders; any `{{` that does not open a well-formed placeholder is an error. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (;;) {
    const open = template.indexOf('{{', at);
    if (open === -1) break;
    if (open > at) parts.push({ kind: 'text', text: template.slice(at, open) });
    const literal = LITERAL.exec(template.slice(open + 2));
    if (literal) {
      parts.push({ kind: 'literal', text: literal[1]!, offset: open });
      at = open + 2 + literal[0].length;
      continue;
    }
    const close = template.indexOf('}}', open + 2);
    const inner = close === -1 ? null : template.slice(open + 2, close).trim();
    if (inner === null || inner.includes('{{')) {
      throw new TemplateError(`a "{{" at offset ${open} opens no placeholder (no matching "}}"); write a literal "{{" as {{ '{{' }}`);
    }
    if (NAME.test(inner)) {
      parts.push({ kind: 'placeholder', name: inner, offset: open });
    } else {
      throw new TemplateError(`{{${template.slice(open + 2, close)}}} is not a well-formed placeholder: use target, rollout, host.FIELD, vars.NAME or registered.NAME`);
    }
    at = close + 2;
  }
  if (at < template.length) parts.push({ kind: 'text', text: template.slice(at) });
  return parts;
}

export function shellQuote(value: string): string {
  return SAFE_WORD.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Every placeholder name in a template, in order of appearance. */
export function placeholders(template: string): string[] {
  return parseTemplate(template).flatMap((part) => (part.kind === 'placeholder' ? [part.name] : []));
}

/** Values an inventory or a host supplies, as opposed to the spec author. */
export function isUntrusted(name: string): boolean {
  return name.startsWith('host.') || name.startsWith('registered.');
}

function lookup(scope: TemplateScope, name: string): string {
  const [head, key] = name.split('.') as [string, string | undefined];
  let value: string | undefined;
  if (head === 'target' || head === 'rollout') {
    if (key === undefined) value = scope[head];
  } else if (head === 'host' && key !== undefined && (HOST_FIELDS as readonly string[]).includes(key)) {
    value = scope.host[key as keyof TemplateScope['host']] ?? '';
  } else if ((head === 'vars' || head === 'registered') && key !== undefined) {
    value = scope[head][key];
    if (value === undefined && head === 'vars') throw new TemplateError(`{{ ${name} }} is not defined: set it under vars in the rollout spec or the playbook`);
    if (value === undefined) throw new TemplateError(`{{ ${name} }} was never registered on this host (the step that registers it has not run here)`, 'unregistered');
  }
  if (value === undefined) throw new TemplateError(`{{ ${name} }} is not a known placeholder: use target, rollout, host.hostname|address|cluster|zone|rack, vars.NAME or registered.NAME`);
  if (value.includes('\0')) throw new TemplateError(`{{ ${name} }} contains a NUL byte, which no command or path can carry`);
  return value;
}

/** Problems with where placeholders stand in a command template: each one outside a plain shell word. */
export function commandTemplateProblems(template: string): string[] {
  return placeholderContexts(parseTemplate(template))
    .filter((placed) => placed.context !== 'word')
    .map(
      (placed) =>
        `{{ ${placed.name} }} stands ${placed.why}; a value there could become shell syntax. Put it outside quotes as its own word (adjacent parts join: "rack "{{ ${placed.name} }}), or read it in a nested script from $${environmentName(placed.name)}`,
    );
}

/** The environment variable a placeholder's value is exported as, e.g. host.rack -> FLEETWAVE_HOST_RACK. */
export function environmentName(name: string): string {
  const [head, key] = name.split('.') as [string, string | undefined];
  if (key === undefined) return `FLEETWAVE_${head.toUpperCase()}`;
  if (head === 'host') return `FLEETWAVE_HOST_${key.toUpperCase()}`;
  return `FLEETWAVE_${head === 'vars' ? 'VAR' : 'REGISTERED'}_${key}`;
}

/** Every value in scope as FLEETWAVE_* variables, for nested scripts (`sh -c '... "$FLEETWAVE_HOST_RACK" ...'`). */
export function environmentOf(scope: TemplateScope): Record<string, string> {
  const names = [
    'target',
    'rollout',
    ...HOST_FIELDS.map((field) => `host.${field}`),
    ...Object.keys(scope.vars).map((key) => `vars.${key}`),
    ...Object.keys(scope.registered).map((key) => `registered.${key}`),
  ].filter((name) => NAME.test(name));
  return Object.fromEntries(names.map((name) => [environmentName(name), lookup(scope, name)]));
}

/**
 * The command to send: an `export` of the scope's values, then the template with each
 * placeholder as one quoted word. Refuses a template whose placeholders stand anywhere else.
 */
export function renderCommand(template: string, scope: TemplateScope): string {
  const problems = commandTemplateProblems(template);
  if (problems.length > 0) throw new TemplateError(problems[0]!);
  const body = parseTemplate(template)
    .map((part) => (part.kind === 'placeholder' ? shellQuote(lookup(scope, part.name)) : part.text))
    .join('');
  const exports = Object.entries(environmentOf(scope)).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return `export ${exports.join(' ')}\n${body}`;
}

/**
 * A path, confined: values from the inventory or a host (host.*, registered.*) are neither
 * absolute nor `..`, and the whole path stays inside the directory that the literal part before
 * the first such value names. `resolve` turns a path into an absolute one (local or remote).
 */
export function renderPath(template: string, scope: TemplateScope, resolve: (text: string) => string): { path: string; confinedTo: string | null } {
  let rendered = '';
  let anchor: string | null = null;
  for (const part of parseTemplate(template)) {
    if (part.kind !== 'placeholder') {
      rendered += part.text;
      continue;
    }
    const value = lookup(scope, part.name);
    if (/[\n\r]/.test(value)) throw new TemplateError(`{{ ${part.name} }} contains a line break and cannot be used in a path`);
    if (isUntrusted(part.name)) {
      if (value.startsWith('/') || value.split('/').includes('..')) {
        throw new TemplateError(`{{ ${part.name} }} is ${JSON.stringify(value)}: a value from the inventory or a host may not be an absolute path or contain ".." in a path`);
      }
      anchor ??= rendered.endsWith('/') ? rendered : path.posix.dirname(rendered === '' ? '.' : rendered);
    }
    rendered += value;
  }
  const full = resolve(rendered);
  if (anchor === null) return { path: full, confinedTo: null };
  const confinedTo = resolve(anchor === '' ? '.' : anchor);
  if (full !== confinedTo && !full.startsWith(confinedTo.endsWith('/') ? confinedTo : `${confinedTo}/`)) {
    throw new TemplateError(`${template} becomes ${full}, outside ${confinedTo}: values from the inventory or a host must stay inside the directory their path names`);
  }
  return { path: full, confinedTo };
}

/** The scope a step on one host is rendered in; the spec's vars override the playbook's. */
export function scopeFor(
  run: { target: string; rollout: string; playbookVars: Readonly<Record<string, string>>; specVars: Readonly<Record<string, string>> },
  host: TemplateScope['host'],
  registered: Readonly<Record<string, string>>,
): TemplateScope {
  const { hostname, address, cluster, zone, rack } = host;
  return { target: run.target, rollout: run.rollout, host: { hostname, address, cluster, zone, rack }, vars: { ...run.playbookVars, ...run.specVars }, registered };
}
