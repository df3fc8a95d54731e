/** Kernel config fragments (`CONFIG_X=y`, `# CONFIG_X is not set`) and whether a .config kept them. */
export type ConfigValues = Map<string, string>;

export function parseConfig(text: string): ConfigValues {
  const values: ConfigValues = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) values.set(set[1]!, set[2]!);
    const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) values.set(unset[1]!, 'n');
  }
  return values;
}

export interface DroppedSymbol {
  symbol: string;
  wanted: string;
  got: string;
}

/** Every symbol the fragment sets must have that value in the final config (absent counts as n). */
export function droppedSymbols(fragment: ConfigValues, final: ConfigValues): DroppedSymbol[] {
  return [...fragment].flatMap(([symbol, wanted]) => {
    const got = final.get(symbol) ?? 'n';
    return got === wanted ? [] : [{ symbol, wanted, got }];
  });
}
