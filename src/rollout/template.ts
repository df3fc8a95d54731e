/**
 * `{{ name }}` placeholders in playbook commands. In a command every value is inserted as one
 * shell-quoted word, so a hostname or a var can never inject syntax; write `/boot/vmlinuz-{{ target }}`,
 * never `"{{ target }}"` (sh joins adjacent quoted parts into one word).
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
  constructor(message: string, readonly kind: 'unregistered' | 'invalid' = 'invalid') {
    super(message);
    this.name = 'TemplateError';
  }
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w-]*)?)\s*\}\}/g;
const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

export function shellQuote(value: string): string {
  return SAFE_WORD.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Every placeholder name in a template, in order of appearance. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

function lookup(scope: TemplateScope, name: string): string {
  const [head, key] = name.split('.') as [string, string | undefined];
  if (head === 'target' || head === 'rollout') {
    if (key === undefined) return scope[head];
  } else if (head === 'host' && key !== undefined && key in scope.host) {
    return scope.host[key as keyof TemplateScope['host']] ?? '';
  } else if ((head === 'vars' || head === 'registered') && key !== undefined) {
    const value = scope[head][key];
    if (value !== undefined) return value;
    if (head === 'vars') throw new TemplateError(`{{ ${name} }} is not defined: set it under vars in the rollout spec or the playbook`);
    throw new TemplateError(`{{ ${name} }} was never registered on this host (the step that registers it has not run here)`, 'unregistered');
  }
  throw new TemplateError(`{{ ${name} }} is not a known placeholder: use target, rollout, host.hostname|address|cluster|zone|rack, vars.NAME or registered.NAME`);
}

export function renderCommand(template: string, scope: TemplateScope): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => shellQuote(lookup(scope, name)));
}

/** For paths that are not shell (upload src and dest): the value as it is, but never a newline. */
export function renderText(template: string, scope: TemplateScope): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = lookup(scope, name);
    if (/[\n\0]/.test(value)) throw new TemplateError(`{{ ${name} }} contains a newline or NUL and cannot be used in a path`);
    return value;
  });
}
