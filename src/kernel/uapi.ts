import type { UapiCheck } from './series.js';

/** Strips C comments and preprocessor lines, keeping line structure irrelevant to enum parsing. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/**
 * The members of one C enum with their values, as the compiler would number them: implicit
 * members count up from the previous one; explicit `= N` (decimal, hex, negative, shifts of
 * literals) reset the count. `anchor` is the enum's name, or for an anonymous enum its first member.
 */
export function parseCEnum(header: string, anchor: string): Map<string, number> | null {
  const text = stripComments(header);
  const named = new RegExp(`enum\\s+${anchor}\\s*\\{([\\s\\S]*?)\\}`).exec(text);
  const anonymous = named ? null : new RegExp(`enum\\s*\\{\\s*(${anchor}\\b[\\s\\S]*?)\\}`).exec(text);
  const body = named?.[1] ?? anonymous?.[1];
  if (body === undefined) return null;
  const values = new Map<string, number>();
  let next = 0;
  for (const item of body
    .split(',')
    .map((part) => part.replace(/^\s*#.*$/gm, '').trim())
    .filter(Boolean)) {
    const [name, expression] = item.split('=').map((part) => part.trim()) as [string, string | undefined];
    if (!/^[A-Za-z_]\w*$/.test(name)) continue;
    const value = expression === undefined ? next : evaluate(expression, values);
    if (value === null) return null;
    values.set(name, value);
    next = value + 1;
  }
  return values;
}

function evaluate(expression: string, known: Map<string, number>): number | null {
  const cleaned = expression
    .replace(/[()]/g, '')
    .replace(/(\d)[uUlL]+\b/g, '$1')
    .trim();
  const shift = /^(\S+)\s*<<\s*(\S+)$/.exec(cleaned);
  if (shift) {
    const [left, right] = [evaluate(shift[1]!, known), evaluate(shift[2]!, known)];
    return left === null || right === null ? null : left * 2 ** right;
  }
  if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(cleaned)) return Number(cleaned.startsWith('-') ? -Number(cleaned.slice(1)) : Number(cleaned));
  return known.get(cleaned) ?? null;
}

export interface UapiProblem {
  header: string;
  enum: string;
  member: string;
  expected: number;
  actual: number | null;
}

/** Compares every expected value; a missing header, enum or member is a problem too. */
export function checkUapi(checks: readonly UapiCheck[], readHeader: (header: string) => string | null): UapiProblem[] {
  return checks.flatMap((check) => {
    const text = readHeader(check.header);
    const members = text === null ? null : parseCEnum(text, check.enum);
    return Object.entries(check.values).flatMap(([member, expected]) => {
      const actual = members?.get(member) ?? null;
      return actual === expected ? [] : [{ header: check.header, enum: check.enum, member, expected, actual }];
    });
  });
}
