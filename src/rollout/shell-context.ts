import type { TemplatePart } from './template.js';

/**
 * Where each placeholder of a command template stands, as a POSIX shell (and bash, which is what
 * sshd usually runs) would read the text around it. Only a `word` position is safe for a
 * single-quoted value: inside quotes the quotes would end early or the text may be a nested
 * script; in a heredoc, comment, `${...}`, `$((...))` or after a backslash the value's own
 * characters (a newline, a quote) would be read as syntax. Pure and conservative: anything it
 * does not understand as a plain word is not one.
 */
export type PlaceholderContext = 'word' | 'single-quotes' | 'double-quotes' | 'backquotes' | 'heredoc' | 'comment' | 'parameter' | 'arithmetic' | 'escaped' | 'dollar';

export interface PlacedPlaceholder {
  name: string;
  context: PlaceholderContext;
  /** "inside single quotes", for messages. */
  why: string;
}

const WHY: Record<PlaceholderContext, string> = {
  word: 'as a word',
  'single-quotes': 'inside single quotes',
  'double-quotes': 'inside double quotes',
  backquotes: 'inside `backquotes`',
  heredoc: 'in a heredoc',
  comment: 'in a # comment',
  parameter: 'inside ${...}',
  arithmetic: 'inside $((...))',
  escaped: 'right after a backslash',
  dollar: 'right after a $',
};

type Frame =
  | { kind: 'command'; parens: number }
  | { kind: 'single' }
  | { kind: 'ansi' }
  | { kind: 'double' }
  | { kind: 'backquote' }
  | { kind: 'parameter'; braces: number }
  | { kind: 'arithmetic'; parens: number };

const SLOT = '\u0000';
const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

export function placeholderContexts(parts: readonly TemplatePart[]): PlacedPlaceholder[] {
  // Placeholders become one sentinel character each; literal `{{`/`}}` are plain text.
  const names = parts.flatMap((part) => (part.kind === 'placeholder' ? [part.name] : []));
  const text = parts.map((part) => (part.kind === 'placeholder' ? SLOT : part.text.replaceAll(SLOT, ''))).join('');
  const placed: PlacedPlaceholder[] = [];
  const place = (context: PlaceholderContext) => {
    const name = names[placed.length]!;
    placed.push({ name, context, why: WHY[context] });
  };
  const stack: Frame[] = [{ kind: 'command', parens: 0 }];
  const heredocs: { delimiter: string; stripTabs: boolean }[] = [];
  let i = 0;
  const top = () => stack[stack.length - 1]!;
  const wordStart = () => i === 0 || WORD_BREAK.has(text[i - 1]!);

  while (i < text.length) {
    const c = text[i]!;
    const frame = top();
    if (c === '\n' && heredocs.length > 0 && frame.kind === 'command') {
      i = readHeredocBodies(text, i + 1, heredocs.splice(0), () => place('heredoc'));
      continue;
    }
    if (c === SLOT) {
      place(frame.kind === 'command' ? 'word' : contextOf(frame));
      i += 1;
      continue;
    }
    switch (frame.kind) {
      case 'single':
      case 'ansi':
        if (c === '\\' && frame.kind === 'ansi') {
          i = escaped(text, i, place);
          continue;
        }
        if (c === "'") stack.pop();
        i += 1;
        continue;
      case 'double':
      case 'backquote':
      case 'parameter':
      case 'arithmetic':
      case 'command':
        break;
    }
    if (c === '\\') {
      i = escaped(text, i, place);
      continue;
    }
    if (frame.kind === 'double' && c === '"') {
      stack.pop();
      i += 1;
      continue;
    }
    if (frame.kind === 'backquote' && c === '`') {
      stack.pop();
      i += 1;
      continue;
    }
    if (c === '$') {
      const next = text[i + 1];
      if (text.startsWith('$((', i)) {
        stack.push({ kind: 'arithmetic', parens: 0 });
        i += 3;
      } else if (next === '(') {
        stack.push({ kind: 'command', parens: 0 });
        i += 2;
      } else if (next === '{') {
        stack.push({ kind: 'parameter', braces: 0 });
        i += 2;
      } else if (next === "'" && frame.kind !== 'double') {
        stack.push({ kind: 'ansi' });
        i += 2;
      } else if (next === SLOT) {
        i += 1;
        place('dollar');
        i += 1;
      } else {
        i += 1;
      }
      continue;
    }
    if (c === '`') {
      stack.push({ kind: 'backquote' });
      i += 1;
      continue;
    }
    if (c === '"') {
      stack.push({ kind: 'double' });
      i += 1;
      continue;
    }
    if (frame.kind === 'double') {
      i += 1;
      continue;
    }
    if (c === "'") {
      stack.push({ kind: 'single' });
      i += 1;
      continue;
    }
    if (frame.kind === 'parameter') {
      if (c === '{') frame.braces += 1;
      if (c === '}' && frame.braces-- === 0) stack.pop();
      i += 1;
      continue;
    }
    if (frame.kind === 'arithmetic') {
      if (c === '(') frame.parens += 1;
      if (c === ')') {
        if (frame.parens === 0 && text[i + 1] === ')') {
          stack.pop();
          i += 2;
          continue;
        }
        frame.parens -= 1;
      }
      i += 1;
      continue;
    }
    if (frame.kind === 'backquote') {
      i += 1;
      continue;
    }
    // A command context: the top level, $(...), <(...), >(...).
    if ((c === '<' || c === '>') && text[i + 1] === '(') {
      stack.push({ kind: 'command', parens: 0 });
      i += 2;
      continue;
    }
    if (c === '(') frame.parens += 1;
    if (c === ')') {
      if (frame.parens === 0 && stack.length > 1) stack.pop();
      else frame.parens = Math.max(0, frame.parens - 1);
      i += 1;
      continue;
    }
    if (c === '#' && wordStart()) {
      const end = text.indexOf('\n', i);
      const comment = text.slice(i, end === -1 ? text.length : end);
      for (const char of comment) if (char === SLOT) place('comment');
      i = end === -1 ? text.length : end;
      continue;
    }
    if (text.startsWith('<<<', i)) {
      // A bash here-string: the word after it is an ordinary word.
      i += 3;
      continue;
    }
    if (text.startsWith('<<', i)) {
      i = readHeredocOperator(text, i + 2, heredocs, () => place('heredoc'));
      continue;
    }
    i += 1;
  }
  // Placeholders after an unterminated quote were already placed by the frame they fell in.
  return placed;
}

function contextOf(frame: Frame): PlaceholderContext {
  switch (frame.kind) {
    case 'single':
    case 'ansi':
      return 'single-quotes';
    case 'double':
      return 'double-quotes';
    case 'backquote':
      return 'backquotes';
    case 'parameter':
      return 'parameter';
    case 'arithmetic':
      return 'arithmetic';
    case 'command':
      return 'word';
  }
}

/** A backslash and the character it escapes; an escaped placeholder is not a word. */
function escaped(text: string, i: number, place: (context: PlaceholderContext) => void): number {
  if (text[i + 1] === SLOT) place('escaped');
  return i + 2;
}

/** `<<[-]DELIM` (DELIM possibly quoted); the bodies are read at the end of the line. */
function readHeredocOperator(text: string, i: number, heredocs: { delimiter: string; stripTabs: boolean }[], placeInDelimiter: () => void): number {
  let at = i;
  const stripTabs = text[at] === '-';
  if (stripTabs) at += 1;
  while (text[at] === ' ' || text[at] === '\t') at += 1;
  let delimiter = '';
  while (at < text.length && !WORD_BREAK.has(text[at]!)) {
    const c = text[at]!;
    if (c === SLOT) placeInDelimiter();
    else if (c !== "'" && c !== '"' && c !== '\\') delimiter += c;
    at += 1;
  }
  heredocs.push({ delimiter, stripTabs });
  return at;
}

/** Skips heredoc bodies line by line up to each delimiter; placeholders inside are in a heredoc. */
function readHeredocBodies(text: string, i: number, heredocs: { delimiter: string; stripTabs: boolean }[], placeInBody: () => void): number {
  let at = i;
  for (const { delimiter, stripTabs } of heredocs) {
    while (at < text.length) {
      const end = text.indexOf('\n', at);
      const line = text.slice(at, end === -1 ? text.length : end);
      at = end === -1 ? text.length : end + 1;
      if ((stripTabs ? line.replace(/^\t+/, '') : line) === delimiter) break;
      for (const char of line) if (char === SLOT) placeInBody();
    }
  }
  return at;
}
