import { z } from 'zod';

/**
 * URLs and credentials for the HTTP a rollout makes (gates, webhooks). Credentials never live in
 * a URL: a URL with a user or password is refused, and any URL that is shown or stored is
 * redacted (query values too: `?token=` is a common habit). They come from the environment or a
 * file, read at the moment of the request, and are never shown, stored or audited.
 */
const CREDENTIAL_PARAMETER = /^(access_?token|api_?key|apikey|auth|authorization|bearer|code|key|pass|passwd|password|secret|sig|signature|token|x-amz-signature)$/i;

export const HttpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .refine((text) => {
    const url = new URL(text);
    return url.username === '' && url.password === '';
  }, 'a URL may not carry a user or password (they would end up in logs and the audit trail); use headers or bearerTokenFile')
  .refine(
    (text) => ![...new URL(text).searchParams.keys()].some((key) => CREDENTIAL_PARAMETER.test(key)),
    'a URL may not carry a credential in its query (token=, key=, secret=, ...); send it with headers or bearerTokenFile',
  );

/** A secret, by where to find it: an environment variable of the `rollout run` process, or a file. */
export const SecretSourceSchema = z.union([z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }), z.strictObject({ file: z.string().min(1) })]);
export type SecretSource = z.infer<typeof SecretSourceSchema>;

export const HttpAuthFields = {
  /** Request headers whose values are secrets, e.g. `Authorization: { env: PROM_TOKEN }`. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), SecretSourceSchema).optional(),
  /** A file holding a bearer token (relative paths: to the spec file), sent as `Authorization: Bearer TOKEN`. */
  bearerTokenFile: z.string().min(1).optional(),
};

export interface HttpAuth {
  headers?: Record<string, SecretSource> | undefined;
  bearerTokenFile?: string | undefined;
}

const REDACTED = 'REDACTED';

/** A URL fit to show or store: no user or password, every query value replaced, no fragment. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.username) url.username = REDACTED;
  if (url.password) url.password = REDACTED;
  for (const key of [...new Set(url.searchParams.keys())]) url.searchParams.set(key, REDACTED);
  url.hash = '';
  return url.toString();
}

/** Every URL inside a text (an error message, a reading) redacted. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>]+/g, (match) => redactUrl(match));
}

/** A deep copy of a value with every string that holds a URL redacted: for specs shown or audited. */
export function redactUrlsDeep<T>(value: T): T {
  if (typeof value === 'string') return redactUrlsIn(value) as T;
  if (Array.isArray(value)) return value.map(redactUrlsDeep) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactUrlsDeep(inner)])) as T;
  return value;
}
