import { z } from 'zod';

/**
 * Faults a lab host can be given, each a file in LAB_DIR/hosts/HOST/faults read by the host's
 * simulated commands, except `unreachable`, which stops the host's sshd.
 */
export const LAB_FAULTS = ['unreachable', 'slow', 'reboot-hangs', 'bad-kernel', 'down-seconds', 'health-fails'] as const;
export const LabFaultSchema = z.enum(LAB_FAULTS);
export type LabFault = z.infer<typeof LabFaultSchema>;

/** Which faults need a value, and what it means. */
export const FAULT_VALUES: Partial<Record<LabFault, string>> = {
  'bad-kernel': 'a kernel release that fails to boot on this host',
  'down-seconds': 'how long a reboot keeps the host down',
  slow: 'seconds every command on the host is delayed',
};
