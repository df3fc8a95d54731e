import { z } from 'zod';

/** "30s", "10m", "2h" as seconds. */
export const DurationSchema = z
  .string()
  .regex(/^\d+(s|m|h)$/, 'a duration such as "30s", "10m" or "2h"')
  .transform((text) => Number(text.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[text.at(-1) as 's' | 'm' | 'h']);
