/**
 * DEP-3 patch headers (https://dep-team.pages.debian.net/deps/dep3/): the lines before the first
 * `---`/`diff`/`Index:` line, as `Field: value` with indented continuation lines.
 */
export interface Dep3Header {
  fields: Record<string, string>;
  problems: string[];
}

const REQUIRED = ['Description', 'Origin', 'Author'] as const;

export function parseDep3(text: string): Dep3Header {
  const fields: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line === '---' || line.startsWith('diff ') || line.startsWith('Index: ') || line.startsWith('--- ')) break;
    const field = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (field) {
      last = field[1]!;
      // "Subject" is DEP-3's alias of Description.
      const key = last === 'Subject' ? 'Description' : last;
      fields[key] = fields[key] ? `${fields[key]}\n${field[2]}` : field[2]!;
      last = key;
    } else if (/^\s+\S/.test(line) && last) {
      fields[last] = `${fields[last]}\n${line.trim()}`;
    }
  }
  const problems = REQUIRED.filter((name) => !fields[name]?.trim()).map((name) => `missing DEP-3 field ${name}`);
  const origin = fields.Origin?.trim();
  if (origin && !/^(upstream, commit:[0-9a-f]{12,40}|backport, commit:[0-9a-f]{12,40}|other(, .+)?|vendor(, .+)?)$/.test(origin)) {
    problems.push(`Origin "${origin}" must be "upstream, commit:<sha>", "backport, commit:<sha>", "vendor[, url]" or "other[, url]"`);
  }
  return { fields, problems };
}
