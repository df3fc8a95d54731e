import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpAuth } from '../../rollout/http-auth.js';

/**
 * Reads the secrets a request needs, at the moment of the request: environment variables of this
 * process, files (relative to `baseDir`, the spec's directory). A missing one is an error the
 * caller turns into a failed (fail-closed) gate or an undelivered webhook; values are never
 * part of any message.
 */
export function resolveAuthHeaders(auth: HttpAuth, baseDir: string, env: NodeJS.ProcessEnv = process.env): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  const readFile = (file: string): string | null => {
    try {
      return readFileSync(path.resolve(baseDir, file), 'utf8').trim();
    } catch {
      return null;
    }
  };
  for (const [name, source] of Object.entries(auth.headers ?? {})) {
    const value = 'env' in source ? env[source.env] : readFile(source.file);
    if (value === undefined || value === null || value === '')
      return { error: `header ${name}: ${'env' in source ? `the environment variable ${source.env} is not set` : `${path.resolve(baseDir, source.file)} cannot be read`}` };
    if (/[\r\n]/.test(value)) return { error: `header ${name}: its value has a line break` };
    headers[name] = value;
  }
  if (auth.bearerTokenFile !== undefined) {
    const token = readFile(auth.bearerTokenFile);
    if (!token) return { error: `bearerTokenFile ${path.resolve(baseDir, auth.bearerTokenFile)} cannot be read or is empty` };
    if (/[\r\n]/.test(token)) return { error: 'bearerTokenFile: the token has a line break' };
    headers.authorization = `Bearer ${token}`;
  }
  return { headers };
}
