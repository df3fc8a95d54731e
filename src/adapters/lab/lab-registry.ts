import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The machine's record of the labs fleetwave made, one file per lab slot under /run (cleared on
 * boot, as namespaces are). Creating the file exclusively claims the slot, so two `lab up` at once
 * never share one; it lists the namespaces and links the lab makes before they are made, so
 * `lab down --all` removes exactly those, even after a crash lost the lab's own directory.
 */
export const LAB_REGISTRY_DIR = process.env.FLEETWAVE_LAB_REGISTRY ?? '/run/fleetwave/labs';

export const LabRecordSchema = z.object({
  name: z.string(),
  slot: z.number().int(),
  labDir: z.string(),
  namespaces: z.array(z.string()),
  links: z.array(z.string()),
  pidFiles: z.array(z.string()).default([]),
  createdAt: z.string(),
});
export type LabRecord = z.infer<typeof LabRecordSchema>;

const fileOf = (slot: number) => path.join(LAB_REGISTRY_DIR, `slot-${slot}.json`);

/** Claims the slot for this lab; false when another lab (or a crashed one not yet cleaned up) holds it. */
export function claimLabSlot(record: LabRecord): boolean {
  mkdirSync(LAB_REGISTRY_DIR, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(fileOf(record.slot), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export function releaseLabSlot(slot: number): void {
  rmSync(fileOf(slot), { force: true });
}

/** Every lab this machine has a record of; unreadable records are skipped (and reported as strays). */
export function recordedLabs(): LabRecord[] {
  let names: string[];
  try {
    names = readdirSync(LAB_REGISTRY_DIR);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      const parsed = LabRecordSchema.safeParse(JSON.parse(readFileSync(path.join(LAB_REGISTRY_DIR, name), 'utf8')));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}
