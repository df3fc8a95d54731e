/** Small HTTP calls at the edge (gates, webhooks), always with a deadline. */
export interface HttpAnswer {
  status: number;
  body: string;
}

export async function httpRequest(url: string, options: { method?: 'GET' | 'POST'; json?: unknown; timeoutMs: number }): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: options.json === undefined ? {} : { 'content-type': 'application/json', 'user-agent': 'fleetwave' },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: 'manual',
  });
  // Bodies are read with the same deadline; a gate never needs more than a few KiB.
  const body = (await response.text()).slice(0, 64 * 1024);
  return { status: response.status, body };
}

export function describeHttpError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  if (cause?.code && cause.message) return `${cause.code} (${cause.message})`;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
