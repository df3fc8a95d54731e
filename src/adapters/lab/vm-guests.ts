import { existsSync, readFileSync } from 'node:fs';
import { FleetwaveError } from '../../errors.js';
import { runCommand } from '../system/run-command.js';

/**
 * QEMU guests for the lab: TCG (this machine's KVM cannot run stock kernels), q35, one vCPU
 * (multi-threaded TCG with two oopsed once); either the kernel booted directly from an initramfs,
 * or a disk image with a real boot loader (GRUB) whose reboots are real. Two NICs: QEMU's
 * user-mode network, restricted so that nothing in the guest reaches anything outside and only a
 * port forward on 127.0.0.1 reaches its sshd; and the lab's private segment, a QEMU multicast
 * socket bound to loopback that only the lab's guests join.
 */
export interface GuestLaunch {
  /** A kernel booted directly from an initramfs (powers off on reboot), or a disk with its own boot loader (reboots for real). */
  boot: { kernel: string; initrd: string } | { disk: string };
  consoleLog: string;
  pidFile: string;
  sshPort: number;
  /** The lab's private segment: a multicast group and port on loopback. */
  segment: { group: string; port: number };
  /** The guest's MAC on that segment (unique in the lab). */
  labMac: string;
  memoryMb: number;
}

export function startGuest(launch: GuestLaunch): void {
  // -daemonize returns once QEMU is set up and has written its pid file.
  runCommand('qemu-system-x86_64', [
    '-machine',
    'q35',
    '-accel',
    'tcg,tb-size=64',
    '-cpu',
    'max',
    '-m',
    String(launch.memoryMb),
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-serial',
    `file:${launch.consoleLog}`,
    ...('disk' in launch.boot
      ? ['-drive', `file=${launch.boot.disk},if=virtio,cache=unsafe`]
      : ['-no-reboot', '-kernel', launch.boot.kernel, '-initrd', launch.boot.initrd, '-append', 'console=ttyS0 quiet panic=-1']),
    '-nic',
    `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${launch.sshPort}-:22`,
    '-netdev',
    `socket,id=lab,mcast=${launch.segment.group}:${launch.segment.port},localaddr=127.0.0.1`,
    '-device',
    `virtio-net-pci,netdev=lab,mac=${launch.labMac}`,
    '-pidfile',
    launch.pidFile,
    '-daemonize',
  ]);
}

/**
 * Waits for the guest's ready line on its serial console (polling SSH before sshd listens stalls
 * on user-mode networking's SYN retries, and the port forward accepts connections anyway).
 */
export async function waitForReady(consoleLogs: readonly string[], deadlineMs: number): Promise<string[]> {
  const pending = new Set(consoleLogs);
  const deadline = Date.now() + deadlineMs;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const log of pending) if (existsSync(log) && readFileSync(log, 'utf8').includes('FLEETWAVE-READY')) pending.delete(log);
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...pending];
}

/** The pid in a QEMU pid file, only while that process is still the QEMU this pid file belongs to. */
export function guestPid(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.startsWith('qemu-system') && commandLine.includes(pidFile) ? pid : null;
  } catch {
    return null;
  }
}

/** Stops the guests of these pid files (only processes that are those QEMUs) and waits until they are gone. */
export async function stopGuests(pidFiles: readonly string[]): Promise<number> {
  const pids = pidFiles.map(guestPid).filter((pid): pid is number => pid !== null);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // `lab down` returns only once its guests are gone: a QEMU still holding its port would collide
  // with the next `lab up` in this slot.
  const deadline = Date.now() + 10_000;
  while (pids.some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const survivors = pids.filter(running);
  if (survivors.length > 0) {
    throw new FleetwaveError('LAB_SETUP_FAILED', `guest processes ${survivors.join(', ')} are still running 10 s after SIGKILL`, {
      suggestions: [`Look at them with: ps -o pid,stat,cmd -p ${survivors.join(',')}`],
    });
  }
  return pids.length;
}

/** Alive and not a zombie waiting for a parent (in a container, PID 1 may not reap). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
