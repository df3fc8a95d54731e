import { parseKeyValues } from './key-values.js';
import type { CniModeSchema } from '../fleet/host.js';
import type { z } from 'zod';

type CniMode = z.infer<typeof CniModeSchema>;

/** What one probe learned about a host. */
export interface ProbeFacts {
  runningKernel: string;
  bootId: string | null;
  uptimeSeconds: number | null;
  defaultKernel: string | null;
  /** A one-shot entry (grub-reboot) the next boot will use, if one is pending. */
  nextBootKernel: string | null;
  installedKernels: string[];
  netkitCapable: boolean;
  /** Why the host is or is not netkit-capable, in words an operator can act on. */
  netkitDetail: string;
  config: Record<string, string>;
  cniMode: CniMode | null;
  /** Pods fleetwave-cni made on the node, by device; null where it has made none (no records). */
  pods?: { veth: number; netkit: number } | null;
  /** True on a fleetwave lab namespace host: its kernel, boot entries and netkit are simulated. */
  kernelSimulated?: boolean;
}

export class ProbeParseError extends Error {}

const RELEASE = /(\d+\.\d+(?:\.\d+)?[-+.~\w]*)/;

/** GRUB entries name kernels in several ways ("...with Linux 6.1.0-13-amd64", "gnulinux-6.1.0-13-amd64-advanced-<uuid>"). */
export function kernelFromGrubEntry(entry: string | undefined): string | null {
  if (!entry) return null;
  const last = entry.split('>').at(-1)!;
  const withLinux = /with Linux (\S+)/.exec(last);
  if (withLinux) return withLinux[1]!.replace(/\s*\(.*$/, '');
  const gnulinux = /gnulinux-(.+?)-(?:advanced|recovery)-/.exec(last);
  if (gnulinux) return gnulinux[1]!;
  return RELEASE.exec(last)?.[1] ?? null;
}

function compareReleases(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Turns the probe script's output into facts. Pure. A host is netkit-capable only when its
 * running kernel is configured with netkit AND a netkit pair could actually be created there.
 */
export function parseProbeOutput(stdout: string): ProbeFacts {
  const values = parseKeyValues(stdout);
  const one = (key: string) => values.get(key)?.[0];
  if (one('probe') !== 'done' || !one('kernel')) throw new ProbeParseError('the probe did not finish: its output is incomplete');

  const config = Object.fromEntries([...values.keys()].filter((key) => key.startsWith('config_')).map((key) => [key.slice('config_'.length), one(key)!]));
  const netkitConfigured = config.CONFIG_NETKIT === 'y' || config.CONFIG_NETKIT === 'm';
  const created = one('netkit_create') === 'ok';
  const netkitDetail = netkitConfigured
    ? created
      ? 'CONFIG_NETKIT is set and a netkit pair was created'
      : `CONFIG_NETKIT is set but creating a netkit pair failed (${one('netkit_create')?.replace(/^failed: /, '') || 'no reason given'})`
    : config.CONFIG_NETKIT === 'unknown'
      ? `the running kernel's config is unreadable; netkit pair: ${one('netkit_create')}`
      : 'the running kernel is built without CONFIG_NETKIT';

  const marker = one('cni_marker');
  const netkitLinks = Number(one('links_netkit') ?? 0);
  const vethLinks = Number(one('links_veth') ?? 0);
  const cniMode: CniMode | null = marker === 'veth' || marker === 'netkit' ? marker : netkitLinks > 0 ? 'netkit' : vethLinks > 0 ? 'veth' : null;

  const installedKernels = [...(values.get('installed') ?? [])].sort(compareReleases);
  const uptime = Number(one('uptime'));
  return {
    runningKernel: one('kernel')!,
    bootId: one('boot_id') || null,
    uptimeSeconds: Number.isFinite(uptime) && one('uptime') !== '' ? uptime : null,
    // Without a saved entry GRUB boots its first entry: the newest installed kernel.
    defaultKernel: kernelFromGrubEntry(one('grub_saved')) ?? installedKernels.at(-1) ?? null,
    nextBootKernel: kernelFromGrubEntry(one('grub_next')),
    installedKernels,
    netkitCapable: netkitConfigured && created,
    netkitDetail,
    config,
    cniMode,
    pods: one('pods_veth') === undefined ? null : { veth: Number(one('pods_veth')) || 0, netkit: Number(one('pods_netkit')) || 0 },
    kernelSimulated: one('kernel_simulated') !== undefined,
  };
}
