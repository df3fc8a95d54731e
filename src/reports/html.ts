/**
 * The HTML of fleetwave's reports: self-contained pages (inline CSS and SVG, no script, nothing
 * fetched) that still open from a ticket attachment years later. Every value that came from an
 * inventory, a spec, a host or an operator goes through `escapeHtml`: a host named
 * `<script>` prints as text. The page's Content-Security-Policy allows no script and no fetch at
 * all, so even a value that escaped the escaping could not run or call out.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** A fragment already escaped: the only way markup enters a page. */
export interface Html {
  readonly html: string;
}

export function raw(html: string): Html {
  return { html };
}

/** Tagged template: interpolated values are escaped unless they are Html (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return raw(out);
}

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join('');
  if (value !== null && typeof value === 'object' && 'html' in value) return (value as Html).html;
  return escapeHtml(value);
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** A CSS class for the cell, e.g. the outcome's colour. */
  className?: (row: T) => string;
  numeric?: boolean;
}

export function table<T>(rows: readonly T[], columns: readonly Column<T>[], options: { id: string; caption?: string }): Html {
  return html`<table id="${options.id}">${options.caption ? html`<caption>${options.caption}</caption>` : ''}<thead><tr>${columns.map((column) => html`<th${column.numeric ? raw(' class="num"') : ''}>${column.header}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${columns.map((column) => html`<td class="${[column.numeric ? 'num' : '', column.className?.(row) ?? ''].join(' ').trim()}">${column.value(row) as string}</td>`)}</tr>`,
  )}</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d6dbe3; }
.meta { color: #5b6575; } code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; } caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #e4e8ee; padding: .25rem .5rem; text-align: left; vertical-align: top; } th { background: #f3f5f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #17743b; } .bad { color: #b3261e; font-weight: 600; } .warn { color: #8a5a00; } .muted { color: #7a8494; }
.verdict { display: inline-block; padding: .2rem .6rem; border-radius: 4px; font-weight: 600; }
.verdict.ok { background: #e3f4e8; } .verdict.bad { background: #fbe4e2; }
svg { display: block; margin: .5rem 0 1rem; max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: #1d2430; }
details > summary { cursor: pointer; } pre { white-space: pre-wrap; background: #f6f8fa; padding: .6rem; border-radius: 4px; }
`;

export function page(title: string, body: Html): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="fleetwave"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${title}</title><style>${raw(STYLE)}</style></head><body>${body}</body></html>`.html}\n`;
}
