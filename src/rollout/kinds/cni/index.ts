import { z } from 'zod';
import type { RolloutKind } from '../kind.js';

/** CNI rollouts: the node's datapath mode (veth or netkit) for pods created from then on. */
export const cniKind: RolloutKind = {
  name: 'cni',
  /** The datapath of pods created from then on: netkit, or veth to go back. */
  target: z.enum(['netkit', 'veth']),
  defaultPlaybook: 'cni-netkit',
  exclusion(target, host) {
    if (host.cniMode === target) return `already on ${target}`;
    if (target === 'netkit' && host.netkitCapable !== true) {
      return host.netkitCapable === null
        ? 'netkit capability unknown: probe the host first'
        : `kernel ${host.runningKernel ?? '(unknown)'} cannot run netkit${host.netkitDetail ? `: ${host.netkitDetail}` : ''}`;
    }
    return null;
  },
  restorable: (facts) => ({ 'CNI mode': facts.cniMode }),
};
