import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { LabHostLayout } from '../../lab/layout.js';
import { LAB_SIM_BIN_DIR } from '../../paths.js';
import { shellQuote } from '../../rollout/template.js';
import { runCommand } from '../system/run-command.js';

export const LAB_INITIAL_KERNEL = '5.15.0-91-generic';

export function hostDirectory(labDir: string, host: LabHostLayout): string {
  return path.join(labDir, 'hosts', host.hostname);
}

/** A user key shared by the lab's hosts, like an operator's key on a real fleet. */
export function createClientKey(labDir: string): string {
  const keyPath = path.join(labDir, 'id_ed25519');
  runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fleetwave-lab', '-f', keyPath]);
  return keyPath;
}

/** Host key, authorized_keys, sshd_config and the simulated boot state of one lab host. Returns the public host key. */
export function writeHostFiles(labDir: string, host: LabHostLayout, clientPublicKey: string): string {
  const dir = hostDirectory(labDir, host);
  for (const sub of ['home', 'state', 'boot', 'bin', 'var-tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', host.hostname, '-f', hostKey]);
  writeFileSync(path.join(dir, 'authorized_keys'), clientPublicKey, { mode: 0o600 });
  writeFileSync(path.join(dir, 'state', 'hostname'), `${host.hostname}\n`);
  writeFileSync(path.join(dir, 'state', 'kernel'), `${LAB_INITIAL_KERNEL}\n`);
  // As on a host set up with GRUB_DEFAULT=saved: installing a kernel does not change the default.
  writeFileSync(path.join(dir, 'state', 'grub-default'), `${LAB_INITIAL_KERNEL}\n`);
  writeFileSync(path.join(dir, 'state', 'boot_id'), `${randomUUID()}\n`);
  writeFileSync(path.join(dir, 'boot', `config-${LAB_INITIAL_KERNEL}`), '# SIMULATION: fleetwave lab kernel config\nCONFIG_BPF_SYSCALL=y\n# CONFIG_NETKIT is not set\n');
  writeFileSync(path.join(dir, 'boot', `vmlinuz-${LAB_INITIAL_KERNEL}`), 'SIMULATION: not a kernel image\n');
  // bash started by sshd reads ~/.bashrc (Debian builds it with SSH_SOURCE_BASHRC), and each lab
  // host has its own HOME: the `slow` fault lives there. It replaces nothing of the machine's own.
  writeFileSync(
    path.join(dir, 'home', '.bashrc'),
    '# SIMULATION (fleetwave lab): the slow fault delays every command on this host.\n[ -r "$FLEETWAVE_LAB_HOST/faults/slow" ] && sleep "$(cat "$FLEETWAVE_LAB_HOST/faults/slow")"\n',
  );
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `ListenAddress ${host.address}:22`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'MaxSessions 64',
      'MaxStartups 200',
      'Subsystem sftp internal-sftp',
      // A clean HOME keeps the machine's ~/.bashrc (pyenv: ~100 ms a command) out of lab shells;
      // the simulated commands come first on PATH.
      `SetEnv HOME=${path.join(dir, 'home')} FLEETWAVE_LAB_HOST=${dir} PATH=${path.join(dir, 'bin')}:${LAB_SIM_BIN_DIR}:/usr/sbin:/usr/bin:/sbin:/bin`,
      '',
    ].join('\n'),
  );
  return readFileSync(`${hostKey}.pub`, 'utf8').trim();
}

/**
 * Starts the host's sshd inside its network namespace and a private mount namespace in which
 * its own boot id, /boot and /var/tmp are bind-mounted over the machine's, so probes read real
 * paths and what a rollout uploads to one host is not on the others.
 * With `boot`, the host boots first (SIMULATION: kernel choice, new boot id), as after a power cut.
 */
export function startHostSshd(labDir: string, host: LabHostLayout, options: { boot?: boolean } = {}): void {
  const dir = hostDirectory(labDir, host);
  mkdirSync('/run/sshd', { recursive: true });
  // The lab directory is the operator's own path, but a space or a quote in it must not change the script.
  const at = (relative: string) => shellQuote(path.join(dir, relative));
  const script = [
    `mount --bind ${at('state/boot_id')} /proc/sys/kernel/random/boot_id`,
    `mount --bind ${at('boot')} /boot`,
    `mount --bind ${at('var-tmp')} /var/tmp`,
    options.boot
      ? `exec sh ${shellQuote(`${LAB_SIM_BIN_DIR}.lab-boot`)} ${shellQuote(dir)} --from-off >>${at('boot.log')} 2>&1`
      : `exec /usr/sbin/sshd -D -f ${at('sshd_config')} -E ${at('sshd.log')}`,
  ].join(' && ');
  const child = spawn('ip', ['netns', 'exec', host.netns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

/** Waits until every address accepts TCP on port 22, or returns the ones that did not. */
export async function waitForPort22(addresses: readonly string[], deadlineMs: number): Promise<string[]> {
  const pending = new Set(addresses);
  const deadline = Date.now() + deadlineMs;
  while (pending.size > 0 && Date.now() < deadline) {
    await Promise.all(
      [...pending].map(
        (address) =>
          new Promise<void>((resolve) => {
            const socket = net.connect({ host: address, port: 22, timeout: 500 });
            socket.once('connect', () => {
              pending.delete(address);
              socket.destroy();
              resolve();
            });
            socket.once('error', () => resolve());
            socket.once('timeout', () => {
              socket.destroy();
              resolve();
            });
          }),
      ),
    );
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [...pending];
}
