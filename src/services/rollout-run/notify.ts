import { describeHttpError, httpRequest } from '../../adapters/http/http-client.js';
import { resolveAuthHeaders } from '../../adapters/http/secrets.js';
import type { RolloutState } from '../../rollout/rollout-machine.js';
import type { RolloutSpec } from '../../rollout/spec.js';

export interface RolloutChangeMessage {
  rollout: string;
  kind: RolloutSpec['kind'];
  target: string;
  from: string;
  to: string;
  wave: number;
  reason: string | null;
  at: string;
  actor: string;
}

export function changeMessage(spec: RolloutSpec, from: string, to: RolloutState, at: string, actor: string): RolloutChangeMessage {
  return { rollout: spec.name, kind: spec.kind, target: spec.target, from, to: to.status, wave: to.wave, reason: to.reason, at, actor };
}

/**
 * POSTs one rollout state change to the spec's webhook: three tries, each with the spec's
 * deadline. Delivery never blocks or fails a rollout; the caller audits the outcome.
 */
export async function deliverWebhook(spec: RolloutSpec, message: RolloutChangeMessage, baseDir: string): Promise<{ delivered: boolean; detail: string } | null> {
  if (!spec.webhook) return null;
  const auth = resolveAuthHeaders(spec.webhook, baseDir);
  if ('error' in auth) return { delivered: false, detail: auth.error };
  let detail = '';
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      const answer = await httpRequest(spec.webhook.url, { method: 'POST', json: message, timeoutMs: spec.webhook.timeout * 1000, headers: auth.headers });
      if (answer.status >= 200 && answer.status < 300) return { delivered: true, detail: `HTTP ${answer.status}` };
      detail = `HTTP ${answer.status}`;
    } catch (error) {
      detail = describeHttpError(error);
    }
    if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
  return { delivered: false, detail: `${detail} after 3 tries` };
}
