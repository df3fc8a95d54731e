import { httpRequest } from '../../adapters/http/http-client.js';
import { resolveAuthHeaders } from '../../adapters/http/secrets.js';
import { judgeHttpAnswer, judgePrometheusAnswer } from '../../rollout/gates.js';
import type { HttpAuth } from '../../rollout/http-auth.js';
import type { GateContext, GateKind } from './kind.js';

/** The Prometheus query endpoint under a base URL, keeping its path prefix (http://host/prometheus/). */
export function prometheusQueryUrl(base: string, query: string): string {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', query);
  return url.toString();
}

class GateUnreadable extends Error {}

async function get(url: string, auth: HttpAuth, context: GateContext, timeoutMs: number) {
  const resolved = resolveAuthHeaders(auth, context.baseDir);
  if ('error' in resolved) throw new GateUnreadable(resolved.error);
  return httpRequest(url, { timeoutMs, headers: resolved.headers });
}

/** An HTTP endpoint: the expected status, and optionally a string the body must hold. */
export const httpGate: GateKind<'http'> = {
  key: 'http',
  async read(http, gate, context) {
    const answer = await get(http.url, http, context, gate.timeout * 1000);
    return judgeHttpAnswer(http, answer.status, answer.body);
  },
};

/** A Prometheus instant query, every series within bounds; no data is unhealthy. */
export const prometheusGate: GateKind<'prometheus'> = {
  key: 'prometheus',
  async read(prometheus, gate, context) {
    const answer = await get(prometheusQueryUrl(prometheus.url, prometheus.query), prometheus, context, gate.timeout * 1000);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return { healthy: false, detail: `HTTP ${answer.status}: not JSON (fail closed)` };
    }
    return judgePrometheusAnswer(prometheus, parsed);
  },
};
