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
  /** netns: sshd in network namespaces with simulated kernels; vm: QEMU guests booting a real kernel. */
  kind: z.enum(['netns', 'vm']).default('netns'),
  /** VM labs: the real kernel the guests boot, and each guest's forwarded SSH port on 127.0.0.1. */
  vm: z.object({ kernelRelease: z.string(), kernelPackage: z.string(), ports: z.record(z.string(), z.number().int()) }).optional(),
  /** Absent in labs made before fleetwave recorded what it made: derived from the layout then. */
  created: z
    .object({
      /** Directories lab up made (outermost first), removed again only if empty. */
      dirs: z.array(z.string()),
      /** Files and subtrees of the lab directory that lab up made, relative to it. */
      entries: z.array(z.string()),
      namespaces: z.array(z.string()),
      links: z.array(z.string()),
      /** QEMU pid files of VM guests: lab down stops exactly those processes. */
      pidFiles: z.array(z.string()).default([]),
      /** Inventory rows lab up added: lab down removes exactly those. */
      hosts: z.array(z.string()).optional(),
    })
    .optional(),
});
export type LabState = z.infer<typeof LabStateSchema>;

export const LabNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'lab names are 1-16 lowercase letters, digits and "-", starting with a letter');
