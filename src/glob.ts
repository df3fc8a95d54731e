/** A shell-style glob (`*` any run, `?` one character) as an anchored RegExp; everything else is literal. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, flags);
}
