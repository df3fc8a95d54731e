import { fileURLToPath } from 'node:url';

/** Compiled code lives in dist/src; shipped data (migrations, playbooks) sits at the package root. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** The lab's simulated host commands (uname, reboot, ...), shell scripts shipped as source. */
export const LAB_SIM_BIN_DIR = fileURLToPath(new URL('../../src/lab/sim-bin/', import.meta.url));

/** Playbooks shipped with fleetwave, found by bare name (`playbook: kernel-upgrade`). */
export const BUNDLED_PLAYBOOKS_DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));

/** Backport series shipped with fleetwave, one folder each (`kernel build --series 5.15-netkit-tcx`). */
export const KERNEL_PATCHES_DIR = fileURLToPath(new URL('../../kernel-patches/', import.meta.url));

/** What a VM lab guest boots into: its init, inittab and sshd_config (shell and config, shipped as source). */
export const LAB_VM_DIR = fileURLToPath(new URL('../../src/lab/vm/', import.meta.url));

/** The project's own scripts (setup, VM assets). */
export const REPO_BIN_DIR = fileURLToPath(new URL('../../bin/', import.meta.url));

/** The script that runs fleetwave (package.json "bin"), for steps that call fleetwave again. */
export const FLEETWAVE_ENTRY = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/** What fleetwave ships to fleet nodes: the CNI plugin and node helpers (bpf/cni). */
export const NODE_FILES_DIR = fileURLToPath(new URL('../../bpf/cni/', import.meta.url));
