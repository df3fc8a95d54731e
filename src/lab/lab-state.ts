import { z } from 'zod';

/**
 * What `lab up` leaves behind for `lab status` and `lab down` (in LAB_DIR/lab.json), written
 * before anything else is made and kept current: what it lists is all `lab down` ever removes.
 */
export const LabStateSchema = z.object({
  name: z.string(),
  slot: z.number().int(),
  hostCount: z.number().int(),
  createdAt: z.string(),
  sshConfig: z.string(),
  /** `creating` while lab up runs (or after it crashed half way); `up` once it finished. */
  status: z.enum(['creating', 'up']).default('up'),
  /** Absent in labs made before fleetwave recorded what it made: derived from the layout then. */
  created: z
    .object({
      /** Directories lab up made (outermost first), removed again only if empty. */
      dirs: z.array(z.string()),
      /** Files and subtrees of the lab directory that lab up made, relative to it. */
      entries: z.array(z.string()),
      namespaces: z.array(z.string()),
      links: z.array(z.string()),
    })
    .optional(),
});
export type LabState = z.infer<typeof LabStateSchema>;

export const LabNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,15}$/, 'lab names are 1-16 lowercase letters, digits and "-", starting with a letter');
