import { parseKeyValues } from '../probe/key-values.js';
import { kernelChecks } from '../probe/probe-script.js';

/** What the netkit/tcx backport must give a running kernel, checked by `kernel verify` and the playbook. */
export const REQUIRED_KERNEL_SYMBOLS = ['CONFIG_BPF_SYSCALL', 'CONFIG_NET_XGRESS', 'CONFIG_NETKIT', 'CONFIG_DEBUG_INFO_BTF'] as const;

export const VERIFY_SCRIPT = `
echo "kernel=$(uname -r)"
${kernelChecks(REQUIRED_KERNEL_SYMBOLS)}[ -r /sys/kernel/btf/vmlinux ] && echo "btf=yes" || echo "btf=no"
echo "verify=done"
`;

export interface KernelVerdict {
  kernel: string | null;
  ok: boolean;
  /** What is missing, in words an operator can act on. */
  missing: string[];
  config: Record<string, string>;
  netkitPair: string;
  /** A fleetwave lab namespace host: what it reports is simulated, not a real kernel's answer. */
  simulated: boolean;
}

/** Pure: judges the verify script's output. tcx is judged by its config (CONFIG_NET_XGRESS). */
export function judgeKernelSupport(stdout: string): KernelVerdict {
  const values = parseKeyValues(stdout);
  const one = (key: string) => values.get(key)?.[0];
  const simulated = one('kernel_simulated') !== undefined;
  if (one('verify') !== 'done') return { kernel: one('kernel') ?? null, ok: false, missing: ['the check did not finish: its output is incomplete'], config: {}, netkitPair: 'unknown', simulated };
  const config = Object.fromEntries(REQUIRED_KERNEL_SYMBOLS.map((symbol) => [symbol, one(`config_${symbol}`) ?? 'unknown']));
  const missing: string[] = [];
  for (const symbol of REQUIRED_KERNEL_SYMBOLS) {
    const value = config[symbol];
    if (value === 'unknown') missing.push(`${symbol} (the running kernel's config is unreadable)`);
    else if (value !== 'y' && value !== 'm') missing.push(`${symbol} (${value === 'n' ? 'not set' : value})`);
  }
  const pair = one('netkit_create') ?? 'unknown';
  if (pair !== 'ok') missing.push(`a netkit pair cannot be created (${pair.replace(/^failed: /, '') || 'no reason given'})`);
  if (one('btf') !== 'yes') missing.push('/sys/kernel/btf/vmlinux (BTF) is not available');
  return { kernel: one('kernel') ?? null, ok: missing.length === 0, missing, config, netkitPair: pair, simulated };
}
