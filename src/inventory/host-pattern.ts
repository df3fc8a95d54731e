/** Ansible host ranges: web[01:03].dc → web01 web02 web03; [a:c] letters; [1:9:2] with a stride. */
const RANGE = /\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\]/i;

export const MAX_EXPANDED_HOSTS = 1_000_000;

export function expandHostPattern(pattern: string): string[] {
  const match = RANGE.exec(pattern);
  if (!match) return [pattern];
  const [whole, startText, endText, strideText] = match as unknown as [string, string, string, string | undefined];
  const stride = strideText ? Number(strideText) : 1;
  if (stride < 1) throw new Error(`range ${whole} has a stride below 1`);
  const numeric = /^\d+$/.test(startText) && /^\d+$/.test(endText);
  const alpha = /^[a-z]$/i.test(startText) && /^[a-z]$/i.test(endText);
  if (!numeric && !alpha) throw new Error(`range ${whole} must be numbers ([01:20]) or single letters ([a:f])`);
  const start = numeric ? Number(startText) : startText.charCodeAt(0);
  const end = numeric ? Number(endText) : endText.charCodeAt(0);
  if (end < start) throw new Error(`range ${whole} ends before it starts`);
  if ((end - start) / stride + 1 > MAX_EXPANDED_HOSTS) throw new Error(`range ${whole} expands to more than ${MAX_EXPANDED_HOSTS} hosts`);
  const width = numeric && startText.startsWith('0') ? startText.length : 0;
  const prefix = pattern.slice(0, match.index);
  const rest = pattern.slice(match.index + whole.length);
  const expandedRest = expandHostPattern(rest);
  const names: string[] = [];
  for (let value = start; value <= end; value += stride) {
    const piece = numeric ? String(value).padStart(width, '0') : String.fromCharCode(value);
    for (const tail of expandedRest) names.push(`${prefix}${piece}${tail}`);
    if (names.length > MAX_EXPANDED_HOSTS) throw new Error(`pattern ${pattern} expands to more than ${MAX_EXPANDED_HOSTS} hosts`);
  }
  return names;
}
