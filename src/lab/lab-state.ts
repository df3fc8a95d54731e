import { z } from 'zod';

/** What `lab up` leaves behind for `lab status` and `lab down` (in LAB_DIR/lab.json). */
export const LabStateSchema = z.object({
  name: z.string(),
  slot: z.number().int(),
  hostCount: z.number().int(),
  createdAt: z.string(),
  sshConfig: z.string(),
});
export type LabState = z.infer<typeof LabStateSchema>;

export const LabNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,15}$/, 'lab names are 1-16 lowercase letters, digits and "-", starting with a letter');
