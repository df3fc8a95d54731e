import { html, raw, type Html } from './html.js';

/**
 * Charts as inline SVG, generated here from plain data: nothing to load, nothing to run, and
 * they print. Each chart carries `data-chart` and each mark a class, so a browser test can count
 * what was drawn.
 */

const WIDTH = 1100;
const LABEL_WIDTH = 170;
const ROW = 18;
const AXIS = 28;

export const OUTCOME_COLOURS: Record<string, string> = {
  succeeded: '#2e9e5b',
  'rolled-back': '#d9822b',
  'rollback-failed': '#b3261e',
  failed: '#b3261e',
  skipped: '#9aa3b0',
  pending: '#d6dbe3',
  running: '#4a7fd4',
  verifying: '#4a7fd4',
  'rolling-back': '#d9822b',
};

const PALETTE = ['#4a7fd4', '#2e9e5b', '#d9822b', '#8e5bd4', '#c2417a', '#3aa5a5', '#9aa3b0'];

export function colourOf(key: string, index: number): string {
  return OUTCOME_COLOURS[key] ?? PALETTE[index % PALETTE.length]!;
}

/** Smallest and largest, without spreading an unbounded array into arguments. */
function bounds(values: readonly number[]): [number, number] {
  return values.reduce<[number, number]>(([low, high], value) => [Math.min(low, value), Math.max(high, value)], [Infinity, -Infinity]);
}

interface TimeScale {
  x(at: string): number;
  ticks: Array<{ x: number; label: string; anchor: string }>;
}

function timeScale(from: number, to: number): TimeScale {
  const span = Math.max(to - from, 1);
  const plot = WIDTH - LABEL_WIDTH - 20;
  const x = (at: string) => LABEL_WIDTH + ((Date.parse(at) - from) / span) * plot;
  // Down to the millisecond when the whole chart spans less than a minute.
  const digits = span < 60_000 ? 23 : 19;
  const ticks = Array.from({ length: 5 }, (_, index) => {
    const ms = from + (span * index) / 4;
    return { x: LABEL_WIDTH + (plot * index) / 4, label: new Date(ms).toISOString().slice(11, digits), anchor: index === 4 ? 'end' : index === 0 ? 'start' : 'middle' };
  });
  return { x, ticks };
}

function axis(scale: TimeScale, y: number): Html {
  return html`<g class="axis">${scale.ticks.map((tick) => html`<line x1="${tick.x}" x2="${tick.x}" y1="0" y2="${y}" stroke="#e4e8ee"/><text x="${tick.x}" y="${y + 14}" text-anchor="${tick.anchor}">${tick.label}</text>`)}</g>`;
}

export interface TimelineRow {
  label: string;
  start: string;
  end: string;
  /** Hosts per outcome; the bar is split in these proportions. */
  outcomes: Record<string, number>;
  title: string;
}

/** A Gantt chart: one bar per row from start to end, split by outcome. Times are UTC. */
export function timelineChart(rows: readonly TimelineRow[], caption: string): Html {
  if (rows.length === 0) return html`<p class="muted">${caption}: nothing ran.</p>`;
  const [from] = bounds(rows.map((row) => Date.parse(row.start)));
  const [, to] = bounds(rows.map((row) => Date.parse(row.end)));
  const scale = timeScale(from, to);
  const height = rows.length * ROW + AXIS;
  const bars = rows.map((row, index) => {
    const y = index * ROW + 3;
    const x0 = scale.x(row.start);
    const width = Math.max(scale.x(row.end) - x0, 2);
    const total = Object.values(row.outcomes).reduce((sum, count) => sum + count, 0) || 1;
    let offset = 0;
    const parts = Object.entries(row.outcomes).map(([outcome, count], part) => {
      const partWidth = (width * count) / total;
      const rect = html`<rect class="bar" x="${(x0 + offset).toFixed(1)}" y="${y}" width="${partWidth.toFixed(1)}" height="${ROW - 6}" fill="${colourOf(outcome, part)}"><title>${row.title}: ${count} ${outcome}</title></rect>`;
      offset += partWidth;
      return rect;
    });
    return html`<text x="${LABEL_WIDTH - 6}" y="${y + ROW - 8}" text-anchor="end">${row.label}</text>${parts}`;
  });
  return html`<figure><svg data-chart="timeline" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${caption}">${axis(scale, height - AXIS)}${bars}</svg><figcaption class="muted">${caption} (UTC)</figcaption></figure>`;
}

export interface StripSeries {
  label: string;
  points: Array<{ at: string; healthy: boolean; title: string }>;
}

/** Readings over time, one strip per series: a green dot for healthy, a red cross for not. */
export function stripChart(series: readonly StripSeries[], caption: string): Html {
  const all = series.flatMap((strip) => strip.points);
  if (all.length === 0) return html`<p class="muted">${caption}: no readings were taken.</p>`;
  const scale = timeScale(...bounds(all.map((point) => Date.parse(point.at))));
  const height = series.length * ROW + AXIS;
  const marks = series.map((strip, index) => {
    const y = index * ROW + ROW / 2;
    return html`<text x="${LABEL_WIDTH - 6}" y="${y + 4}" text-anchor="end">${strip.label}</text>${strip.points.map((point) =>
      point.healthy
        ? html`<circle class="reading healthy" cx="${scale.x(point.at).toFixed(1)}" cy="${y}" r="4" fill="#2e9e5b"><title>${point.at}: ${point.title}</title></circle>`
        : html`<path class="reading unhealthy" d="M${(scale.x(point.at) - 4).toFixed(1)} ${y - 4} l8 8 m0 -8 l-8 8" stroke="#b3261e" stroke-width="2"><title>${point.at}: ${point.title}</title></path>`,
    )}`;
  });
  return html`<figure><svg data-chart="gates" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${caption}">${axis(scale, height - AXIS)}${marks}</svg><figcaption class="muted">${caption} (UTC)</figcaption></figure>`;
}

export interface BarRow {
  label: string;
  parts: Record<string, number>;
}

/** Horizontal stacked bars on one scale, e.g. hosts per kernel split by CNI mode. */
export function stackedBars(rows: readonly BarRow[], keys: readonly string[], caption: string, chart: string): Html {
  if (rows.length === 0) return html`<p class="muted">${caption}: no hosts.</p>`;
  const max = Math.max(bounds(rows.map((row) => Object.values(row.parts).reduce((sum, value) => sum + value, 0)))[1], 1);
  const plot = WIDTH - LABEL_WIDTH - 80;
  const height = rows.length * ROW + ROW + 8;
  const legend = keys.map(
    (key, index) => html`<rect x="${LABEL_WIDTH + index * 110}" y="2" width="10" height="10" fill="${colourOf(key, index)}"/><text x="${LABEL_WIDTH + index * 110 + 14}" y="11">${key}</text>`,
  );
  const bars = rows.map((row, index) => {
    const y = ROW + 8 + index * ROW;
    let x = LABEL_WIDTH;
    const total = Object.values(row.parts).reduce((sum, value) => sum + value, 0);
    const parts = keys.map((key, keyIndex) => {
      const value = row.parts[key] ?? 0;
      const width = (plot * value) / max;
      const rect =
        value === 0
          ? raw('')
          : html`<rect class="bar" x="${x.toFixed(1)}" y="${y}" width="${Math.max(width, 1).toFixed(1)}" height="${ROW - 6}" fill="${colourOf(key, keyIndex)}"><title>${row.label}: ${value} ${key}</title></rect>`;
      x += width;
      return rect;
    });
    return html`<text x="${LABEL_WIDTH - 6}" y="${y + ROW - 8}" text-anchor="end">${row.label}</text>${parts}<text x="${x + 6}" y="${y + ROW - 8}">${total}</text>`;
  });
  return html`<figure><svg data-chart="${chart}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${caption}">${legend}${bars}</svg><figcaption class="muted">${caption}</figcaption></figure>`;
}
