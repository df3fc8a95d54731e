import { describeHttpError, httpRequest } from '../adapters/http/http-client.js';
import { resolveAuthHeaders } from '../adapters/http/secrets.js';
import { runProcess } from '../adapters/system/run-command.js';
import { judgeHttpAnswer, judgePrometheusAnswer, type Gate, type GateReading } from '../rollout/gates.js';
import { redactUrlsIn, type HttpAuth } from '../rollout/http-auth.js';

export interface GateContext {
  /** Relative secret files resolve against the spec's directory. */
  baseDir: string;
}

/** The Prometheus query endpoint under a base URL, keeping its path prefix (http://host/prometheus/). */
export function prometheusQueryUrl(base: string, query: string): string {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', query);
  return url.toString();
}

async function get(url: string, auth: HttpAuth, context: GateContext, timeoutMs: number) {
  const resolved = resolveAuthHeaders(auth, context.baseDir);
  if ('error' in resolved) return { error: resolved.error };
  return { answer: await httpRequest(url, { timeoutMs, headers: resolved.headers }) };
}

/** Reads one gate. Every failure to read (refused, timeout, bad answer, a missing secret) is an unhealthy reading. */
export async function readGate(gate: Gate, context: GateContext): Promise<GateReading> {
  const timeoutMs = gate.timeout * 1000;
  const unreadable = (why: string): GateReading => ({ gate: gate.name, healthy: false, detail: `could not read the gate (fail closed): ${redactUrlsIn(why)}` });
  try {
    if (gate.command !== undefined) {
      const result = await runProcess('sh', ['-c', gate.command], { timeoutMs });
      const output = (result.stdout + result.stderr).trim().split('\n').at(-1) ?? '';
      return { gate: gate.name, healthy: result.code === 0, detail: result.code === 0 ? output || 'exit 0' : `exit ${result.code ?? result.signal}: ${output}` };
    }
    if (gate.http) {
      const read = await get(gate.http.url, gate.http, context, timeoutMs);
      if ('error' in read) return unreadable(read.error!);
      return { gate: gate.name, ...judgeHttpAnswer(gate.http, read.answer.status, read.answer.body) };
    }
    if (gate.prometheus) {
      const read = await get(prometheusQueryUrl(gate.prometheus.url, gate.prometheus.query), gate.prometheus, context, timeoutMs);
      if ('error' in read) return unreadable(read.error!);
      let parsed: unknown;
      try {
        parsed = JSON.parse(read.answer.body);
      } catch {
        return { gate: gate.name, healthy: false, detail: `HTTP ${read.answer.status}: not JSON (fail closed)` };
      }
      return { gate: gate.name, ...judgePrometheusAnswer(gate.prometheus, parsed) };
    }
  } catch (error) {
    return unreadable(describeHttpError(error));
  }
  return { gate: gate.name, healthy: false, detail: 'a gate of no known kind (fail closed)' };
}
