import { z } from 'zod';
import { DurationSchema } from './duration.js';
import { HttpAuthFields, HttpUrlSchema } from './http-auth.js';

/** The keys that name a gate's kind; each has a reader in src/services/gate-kinds/ (one registry Map). */
export const GATE_KIND_KEYS = ['command', 'http', 'prometheus', 'cniVerify'] as const;
export type GateKindKey = (typeof GATE_KIND_KEYS)[number];

/** Wave health gates, read after every wave and through its soak. Any error reading one counts as unhealthy. */
export const GateSchema = z
  .strictObject({
    name: z.string().min(1),
    /** A command on the control host (where `rollout run` runs); exit 0 is healthy. */
    command: z.string().min(1).optional(),
    http: z
      .strictObject({
        url: HttpUrlSchema,
        expect_status: z.number().int().min(100).max(599).default(200),
        body_contains: z.string().optional(),
        ...HttpAuthFields,
      })
      .optional(),
    prometheus: z
      .strictObject({
        /** The Prometheus base URL, path prefix included (http://host/prometheus/). */
        url: HttpUrlSchema,
        query: z.string().min(1),
        /** Healthy while every series is at most `max` (and at least `min`). No data is unhealthy. */
        max: z.number().optional(),
        min: z.number().optional(),
        ...HttpAuthFields,
      })
      .refine((gate) => gate.max !== undefined || gate.min !== undefined, 'a Prometheus gate needs max or min')
      .optional(),
    /**
     * `fleetwave cni verify` on the nodes the selector picks, read as a gate: healthy when no cell
     * failed (with requireNetkit, the default, a netkit cell that cannot be probed fails).
     */
    cniVerify: z
      .strictObject({
        selector: z.string().min(1),
        requireNetkit: z.boolean().default(true),
      })
      .optional(),
    timeout: DurationSchema.default(10),
  })
  .refine((gate) => GATE_KIND_KEYS.filter((key) => gate[key] !== undefined).length === 1, `a gate is one of: ${GATE_KIND_KEYS.join(', ')}`);

export type Gate = z.infer<typeof GateSchema>;

export interface GateReading {
  gate: string;
  healthy: boolean;
  detail: string;
}

/** Prometheus's instant-query answer, judged against the gate's bounds. Pure; fails closed. */
export function judgePrometheusAnswer(gate: NonNullable<Gate['prometheus']>, answer: unknown): { healthy: boolean; detail: string } {
  const parsed = PrometheusAnswerSchema.safeParse(answer);
  if (!parsed.success) return { healthy: false, detail: 'the answer is not a Prometheus query result' };
  const { data } = parsed.data;
  if (parsed.data.status !== 'success' || !data) return { healthy: false, detail: `Prometheus says ${parsed.data.status}: ${parsed.data.error ?? 'no data'}` };
  const samples: { labels: string; value: number }[] =
    data.resultType === 'scalar'
      ? [{ labels: 'scalar', value: Number((data.result as [number, string])[1]) }]
      : data.resultType === 'vector'
        ? (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((series) => ({
            labels: JSON.stringify(series.metric),
            value: Number(series.value[1]),
          }))
        : [];
  if (data.resultType !== 'scalar' && data.resultType !== 'vector') return { healthy: false, detail: `a ${data.resultType} result cannot be judged; use an instant vector or scalar query` };
  if (samples.length === 0) return { healthy: false, detail: `${gate.query} returned no data (fail closed)` };
  const bad = samples.filter(({ value }) => Number.isNaN(value) || (gate.max !== undefined && value > gate.max) || (gate.min !== undefined && value < gate.min));
  const bounds = [gate.min !== undefined ? `>= ${gate.min}` : null, gate.max !== undefined ? `<= ${gate.max}` : null].filter(Boolean).join(' and ');
  if (bad.length > 0) return { healthy: false, detail: `${bad.map(({ labels, value }) => `${labels}=${value}`).join(', ')} not ${bounds}` };
  return { healthy: true, detail: `${samples.map(({ value }) => value).join(', ')} ${bounds}` };
}

const PrometheusAnswerSchema = z.object({
  status: z.string(),
  error: z.string().optional(),
  data: z.object({ resultType: z.string(), result: z.unknown() }).optional(),
});

export function judgeHttpAnswer(gate: Pick<NonNullable<Gate['http']>, 'expect_status' | 'body_contains'>, status: number, body: string): { healthy: boolean; detail: string } {
  if (status !== gate.expect_status) return { healthy: false, detail: `HTTP ${status}, expected ${gate.expect_status}` };
  if (gate.body_contains !== undefined && !body.includes(gate.body_contains)) return { healthy: false, detail: `HTTP ${status} but the body lacks ${JSON.stringify(gate.body_contains)}` };
  return { healthy: true, detail: `HTTP ${status}` };
}

/** All gates must be healthy; the first unhealthy ones are named. */
export function judgeGates(readings: readonly GateReading[]): { healthy: boolean; detail: string } {
  const unhealthy = readings.filter((reading) => !reading.healthy);
  if (unhealthy.length === 0) return { healthy: true, detail: readings.length === 0 ? 'no gates' : `${readings.length} gates healthy` };
  return { healthy: false, detail: unhealthy.map((reading) => `gate ${reading.gate}: ${reading.detail}`).join('; ') };
}
