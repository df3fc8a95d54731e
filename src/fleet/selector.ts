import { FleetwaveError } from '../errors.js';
import { globToRegExp } from '../glob.js';
import type { Host } from './host.js';

/**
 * The host selector language, modelled on kubectl's label selectors:
 *   zone=a,rack!=r7,kernel~5.15      comma means AND
 *   hostname=web-*                   = and != take globs (* and ?)
 *   kernel~^5\.15 , cni!~netkit      ~ and !~ take regular expressions
 *   zone in (a,b), rack notin (r1)   sets
 *   gpu , !gpu                       a field or label is set / not set
 * Keys are host fields (below) or label keys; `labels.KEY` forces a label.
 * A field that is not set compares as the empty string, so `zone!=a` includes hosts without a zone.
 */
export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'match' | 'nomatch'; pattern: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'absent' };

export type HostPredicate = (host: Host) => boolean;

const FIELD_READERS: Record<string, (host: Host) => string | null> = {
  hostname: (host) => host.hostname,
  address: (host) => host.address,
  port: (host) => (host.port === null ? null : String(host.port)),
  user: (host) => host.user,
  cluster: (host) => host.cluster,
  zone: (host) => host.zone,
  rack: (host) => host.rack,
  kernel: (host) => host.runningKernel,
  default_kernel: (host) => host.defaultKernel,
  cni: (host) => host.cniMode,
  netkit: (host) => (host.netkitCapable === null ? null : String(host.netkitCapable)),
};
const FIELD_ALIASES: Record<string, string> = { host: 'hostname', name: 'hostname', 'default-kernel': 'default_kernel' };

export const SELECTOR_FIELDS = Object.keys(FIELD_READERS);

function selectorError(source: string, position: number, problem: string): FleetwaveError {
  return new FleetwaveError('SELECTOR_INVALID', `selector ${JSON.stringify(source)}: ${problem} at column ${position + 1}`, {
    suggestions: ["Selectors look like 'zone=a,rack!=r7,kernel~5.15' or 'zone in (a,b),!quarantined'.", `Fields: ${SELECTOR_FIELDS.join(', ')}; anything else is a label key.`],
  });
}

class SelectorParser {
  private position = 0;
  constructor(private readonly source: string) {}

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    this.skipSpaces();
    if (this.atEnd()) return requirements;
    for (;;) {
      requirements.push(this.requirement());
      this.skipSpaces();
      if (this.atEnd()) return requirements;
      this.expect(',');
    }
  }

  private requirement(): Requirement {
    this.skipSpaces();
    if (this.peek() === '!') {
      this.position += 1;
      return { key: this.key(), op: 'absent' };
    }
    const key = this.key();
    this.skipSpaces();
    if (this.atEnd() || this.peek() === ',') return { key, op: 'exists' };
    for (const [token, op] of [
      ['!=', 'neq'],
      ['!~', 'nomatch'],
      ['==', 'eq'],
      ['=', 'eq'],
      ['~', 'match'],
    ] as const) {
      if (this.source.startsWith(token, this.position)) {
        this.position += token.length;
        const value = this.value();
        if (op === 'match' || op === 'nomatch') {
          this.checkPattern(value);
          return { key, op, pattern: value };
        }
        return { key, op, value };
      }
    }
    for (const [word, op] of [
      ['notin', 'notin'],
      ['in', 'in'],
    ] as const) {
      if (this.source.startsWith(word, this.position) && /[\s(]/.test(this.source[this.position + word.length] ?? '')) {
        this.position += word.length;
        return { key, op, values: this.valueSet() };
      }
    }
    throw selectorError(this.source, this.position, 'expected one of = != ~ !~ in notin after the key');
  }

  private key(): string {
    this.skipSpaces();
    const match = /^[A-Za-z0-9][A-Za-z0-9._/-]*/.exec(this.source.slice(this.position));
    if (!match) throw selectorError(this.source, this.position, 'expected a field or label key');
    this.position += match[0].length;
    return match[0];
  }

  /** Bare values end at a comma, and inside a set also at ")": quote a value that holds either. */
  private value(inSet = false): string {
    this.skipSpaces();
    if (this.peek() === '"' || this.peek() === "'") return this.quoted();
    const start = this.position;
    while (!this.atEnd() && this.peek() !== ',' && !(inSet && this.peek() === ')')) this.position += 1;
    return this.source.slice(start, this.position).trim();
  }

  private quoted(): string {
    const quote = this.peek();
    const start = this.position;
    this.position += 1;
    let text = '';
    while (!this.atEnd() && this.peek() !== quote) {
      if (this.peek() === '\\' && this.position + 1 < this.source.length) this.position += 1;
      text += this.peek();
      this.position += 1;
    }
    if (this.atEnd()) throw selectorError(this.source, start, 'unterminated quoted value');
    this.position += 1;
    return text;
  }

  private valueSet(): string[] {
    this.skipSpaces();
    this.expect('(');
    const values: string[] = [];
    for (;;) {
      values.push(this.value(true));
      this.skipSpaces();
      if (this.peek() === ')') {
        this.position += 1;
        return values;
      }
      this.expect(',');
    }
  }

  private checkPattern(pattern: string): void {
    try {
      new RegExp(pattern);
    } catch (error) {
      throw selectorError(this.source, this.position - pattern.length, `invalid regular expression: ${(error as Error).message}`);
    }
  }

  private expect(char: string): void {
    if (this.peek() !== char) {
      throw selectorError(this.source, this.position, this.atEnd() ? `expected "${char}" before the end` : `expected "${char}", found "${this.peek()}"`);
    }
    this.position += 1;
  }

  private skipSpaces(): void {
    while (!this.atEnd() && /\s/.test(this.peek())) this.position += 1;
  }

  private peek(): string {
    return this.source[this.position] ?? '';
  }

  private atEnd(): boolean {
    return this.position >= this.source.length;
  }
}

export function parseSelector(source: string): Requirement[] {
  return new SelectorParser(source).parse();
}

function readerFor(key: string): (host: Host) => string | null {
  if (key.startsWith('labels.')) {
    const label = key.slice('labels.'.length);
    return (host) => host.labels[label] ?? null;
  }
  const field = FIELD_ALIASES[key] ?? key;
  return FIELD_READERS[field] ?? ((host) => host.labels[key] ?? null);
}

function compileRequirement(requirement: Requirement): HostPredicate {
  const read = readerFor(requirement.key);
  const text = (host: Host) => read(host) ?? '';
  switch (requirement.op) {
    case 'exists':
      return (host) => text(host) !== '';
    case 'absent':
      return (host) => text(host) === '';
    case 'eq':
    case 'neq': {
      const wanted = requirement.value;
      const isGlob = /[*?]/.test(wanted);
      const regex = isGlob ? globToRegExp(wanted) : null;
      const matches = regex ? (host: Host) => regex.test(text(host)) : (host: Host) => text(host) === wanted;
      return requirement.op === 'eq' ? matches : (host) => !matches(host);
    }
    case 'match':
    case 'nomatch': {
      const regex = new RegExp(requirement.pattern);
      return requirement.op === 'match' ? (host) => regex.test(text(host)) : (host) => !regex.test(text(host));
    }
    case 'in':
    case 'notin': {
      const values = new Set(requirement.values);
      return requirement.op === 'in' ? (host) => values.has(text(host)) : (host) => !values.has(text(host));
    }
  }
}

/** Parses once, then matches many hosts cheaply: compiled regexes, no re-parsing per host. */
export function compileSelector(source: string): HostPredicate {
  const predicates = parseSelector(source).map(compileRequirement);
  return (host) => predicates.every((predicate) => predicate(host));
}
