import { hostname } from 'node:os';
import type { ProcessProbe } from '../../rollout/lease.js';

/** This process's view of its machine: its hostname, and signal 0 to ask whether a pid runs. */
export const thisMachine: ProcessProbe = {
  machine: hostname(),
  pidAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};
