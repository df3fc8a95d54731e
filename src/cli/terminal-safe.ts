/**
 * Text bound for a terminal, with every control character shown as an escape (`\x1b`) instead of
 * acted on: inventory values, host output and error messages can hold anything, and a raw escape
 * sequence could rewrite what an operator sees. Newlines and tabs stay.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
