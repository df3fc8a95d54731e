import { z } from 'zod';

/**
 * A backport series: upstream commits to cherry-pick, in order, and local adaptation patches,
 * plus the kernel config the result must keep and the uapi values it must match upstream.
 */
const CommitEntrySchema = z.strictObject({
  commit: z.string().regex(/^[0-9a-f]{40}$/, 'a full 40-character commit id'),
  subject: z.string().min(1),
  /** The upstream release that first contained it, e.g. v6.6. */
  upstream: z.string().regex(/^v\d+\.\d+$/, 'a release such as v6.6'),
  why: z.enum(['feature', 'prerequisite', 'fix']),
  note: z.string().optional(),
});

const PatchEntrySchema = z.strictObject({
  /** Relative to the series directory; carries DEP-3 headers. */
  patch: z.string().regex(/^[\w./-]+\.patch$/, 'a .patch file in the series directory'),
  subject: z.string().min(1),
  why: z.enum(['adaptation', 'prerequisite', 'fix']),
});

const UapiCheckSchema = z.strictObject({
  header: z.string().min(1),
  /** `enum NAME` by name, or an anonymous enum by its first member. */
  enum: z.string().regex(/^[A-Za-z_]\w*$/),
  values: z.record(z.string().regex(/^[A-Za-z_]\w*$/), z.number().int()),
});

export const SeriesSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/),
  description: z.string().min(1),
  /** The kernel line it applies to, e.g. "5.15". */
  base: z.string().regex(/^\d+\.\d+$/),
  sources: z.array(z.url()).min(1),
  series: z
    .array(z.union([CommitEntrySchema, PatchEntrySchema]))
    .min(1)
    .superRefine((entries, context) => {
      const seen = new Set<string>();
      entries.forEach((entry, index) => {
        const key = 'commit' in entry ? entry.commit : entry.patch;
        if (seen.has(key)) context.addIssue({ code: 'custom', path: [index], message: `${key} is listed twice` });
        seen.add(key);
      });
    }),
  /** A kernel config fragment, relative to the series directory. */
  config: z.string().min(1),
  uapi: z.array(UapiCheckSchema).default([]),
  /** Later upstream fixes known and deliberately not carried, with why. */
  notCarried: z.array(z.strictObject({ subject: z.string(), reference: z.string(), why: z.string() })).default([]),
});
export type Series = z.infer<typeof SeriesSchema>;
export type SeriesEntry = Series['series'][number];
export type UapiCheck = Series['uapi'][number];

export function entryLabel(entry: SeriesEntry): string {
  return 'commit' in entry ? `${entry.commit.slice(0, 12)} ("${entry.subject}")` : `${entry.patch} ("${entry.subject}")`;
}
