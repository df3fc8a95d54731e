import { z } from 'zod';
import type { RolloutKind } from '../kind.js';

/** Kernel rollouts: a host is done when it runs the target and boots it by default. */
export const kernelKind: RolloutKind = {
  name: 'kernel',
  target: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,127}$/, 'a kernel release as uname -r prints it, e.g. 6.12.57+deb12-amd64'),
  defaultPlaybook: 'kernel-upgrade',
  exclusion(target, host) {
    if (host.runningKernel === target && (host.defaultKernel === null || host.defaultKernel === target)) return `already running ${target}`;
    return null;
  },
  // The boot state: what runs now, what boots by default, and what the next boot alone would pick
  // (a grub-reboot one-shot entry left behind boots the new kernel on the next ordinary reboot).
  restorable: (facts) => ({
    'running kernel': facts.runningKernel,
    'default boot entry': facts.defaultKernel,
    'next-boot (one-shot) entry': facts.nextBootKernel,
  }),
};
