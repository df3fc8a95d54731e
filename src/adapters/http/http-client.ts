import { redactUrlsIn } from '../../rollout/http-auth.js';

/** Small HTTP calls at the edge (gates, webhooks), always with a deadline. */
export interface HttpAnswer {
  status: number;
  body: string;
}

export async function httpRequest(url: string, options: { method?: 'GET' | 'POST'; json?: unknown; timeoutMs: number; headers?: Record<string, string> }): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: { 'user-agent': 'fleetwave', ...(options.json === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: 'manual',
  });
  // Bodies are read with the same deadline; a gate never needs more than a few KiB.
  const body = (await response.text()).slice(0, 64 * 1024);
  return { status: response.status, body };
}

/** Why a request failed, with any URL in the message redacted (see http-auth.ts). */
export function describeHttpError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  if (cause?.code && cause.message) return redactUrlsIn(`${cause.code} (${cause.message})`);
  return redactUrlsIn(cause?.code ?? cause?.message ?? (error as Error).message);
}
