import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeShell } from '../../src/cni/acl/node-acl.js';
import { REPO_ROOT } from './paths.js';

/**
 * A fleet node on this machine, for the datapath tests: a network namespace of its own (so
 * forwarding and routes never touch the machine's), fleetwave's node files straight from the
 * repo, Debian's host-local IPAM, and a bpffs directory of its own. Commands run in it as the
 * container runtime and fleetwave's SSH commands would, through nsenter (not `ip netns exec`,
 * which mounts a fresh /sys and would hide bpffs).
 */
export interface LocalCniNode extends NodeShell {
  name: string;
  stateDir: string;
  bpffs: string;
  fallbackLog: string;
  env: Record<string, string>;
  /** Runs fleetwave-cni as a runtime would: CNI_* variables, the config on stdin. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CNI plugin's result document, read as the CNI spec defines it
  cni(command: string, containerId: string, podNetns: string | null, config: object | string, extraEnv?: Record<string, string>): { code: number; json: any; stderr: string };
  addPodNamespace(name: string): string;
  /** Runs a shell command on the node; throws if it fails. */
  sh(command: string): string;
  /** Runs a command inside a pod's namespace. */
  inPod(pod: string, args: string[]): { code: number; stdout: string; stderr: string };
  destroy(): void;
}

let built: string | null = null;
/** Installs what a node needs (bin/node-tools.sh: jq, host-local, bpftool 7.5, ping, nc) and builds bpf/. */
export function nodeTools(): string {
  built ??= execFileSync('sh', [path.join(REPO_ROOT, 'bin', 'node-tools.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  return built;
}

/** The CNI configuration a local node's runtime (and fleetwave-verify) uses: host-local on SUBNET. */
export function localCniConfig(name: string, subnet: string, workDir: string): object {
  return { cniVersion: '1.0.0', name: 'fleetwave', type: 'fleetwave-cni', ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: path.join(workDir, `${name}-ipam`) } };
}

export function createLocalCniNode(name: string, workDir: string, subnet = '10.244.199.0/24'): LocalCniNode {
  const out = nodeTools();
  const stateDir = path.join(workDir, `${name}-state`);
  const fallbackLog = path.join(workDir, `${name}-fallback.log`);
  const bpffs = `/sys/fs/bpf/${name}`;
  if (!execFileSync('mount', [], { encoding: 'utf8' }).includes(' /sys/fs/bpf type bpf')) execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  removeNamespaces(name);
  rmSync(bpffs, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const pods: string[] = [];
  const conf = path.join(workDir, `${name}-cni.conf`);
  writeFileSync(conf, JSON.stringify(localCniConfig(name, subnet, workDir)));
  const env = {
    PATH: `${path.join(REPO_ROOT, 'bpf', 'cni')}:${process.env.PATH}`,
    CNI_PATH: '/usr/lib/cni',
    FLEETWAVE_CNI_CONF: conf,
    FLEETWAVE_CNI_PLUGIN: path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-cni'),
    FLEETWAVE_VERIFY_DIR: path.join(workDir, `${name}-verify`),
    FLEETWAVE_VERIFY_PREFIX: `${name}-v`,
    FLEETWAVE_CNI_STATE: stateDir,
    FLEETWAVE_CNI_LOG: fallbackLog,
    FLEETWAVE_BPFFS: bpffs,
    FLEETWAVE_HELPERS: out,
  };
  const nsenter = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => {
    return spawnSyncText('nsenter', [`--net=/run/netns/${name}`, ...args], { ...process.env, ...env, ...extraEnv }, input);
  };
  return {
    name,
    stateDir,
    bpffs,
    fallbackLog,
    env,
    run(command, stdin) {
      return new Promise((resolve, reject) => {
        const child = spawn('nsenter', [`--net=/run/netns/${name}`, 'sh', '-c', command], { env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ exitCode: code, stdout, stderr }));
        child.stdin.end(stdin ?? '');
      });
    },
    cni(command, containerId, podNetns, config, extraEnv = {}) {
      const result = nsenter([path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-cni')], typeof config === 'string' ? config : JSON.stringify(config), {
        CNI_COMMAND: command,
        CNI_CONTAINERID: containerId,
        CNI_NETNS: podNetns ?? '',
        CNI_IFNAME: 'eth0',
        CNI_PATH: '/usr/lib/cni',
        ...extraEnv,
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CNI plugin's result document, read as the CNI spec defines it
      let json: any = null;
      try {
        json = result.stdout.trim() ? JSON.parse(result.stdout) : null;
      } catch {
        json = { unparsed: result.stdout };
      }
      return { code: result.code, json, stderr: result.stderr };
    },
    sh(command) {
      const result = nsenter(['sh', '-c', command]);
      if (result.code !== 0) throw new Error(`${command}: exit ${result.code}: ${result.stderr}`);
      return result.stdout;
    },
    addPodNamespace(pod) {
      const full = `${name}-${pod}`;
      execFileSync('ip', ['netns', 'add', full]);
      pods.push(full);
      return `/run/netns/${full}`;
    },
    inPod(pod, args) {
      return spawnSyncText('nsenter', [`--net=/run/netns/${name}-${pod}`, ...args], process.env);
    },
    destroy() {
      removeNamespaces(name);
      rmSync(bpffs, { recursive: true, force: true });
    },
  };
}

/** Removes this node's namespace and its pods' (by name: also what an interrupted run left). */
function removeNamespaces(name: string): void {
  if (!existsSync('/run/netns')) return;
  for (const entry of readdirSync('/run/netns')) {
    if (entry === name || entry.startsWith(`${name}-`)) execFileSync('ip', ['netns', 'del', entry]);
  }
}

function spawnSyncText(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { env, input: input ?? '', encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Two local nodes on one wire (a veth pair between their namespaces, 198.51.100.0/24), each routing
 * the other's pod subnet to it: what a cluster's routing gives real nodes.
 */
export function linkLocalNodes(a: { node: LocalCniNode; subnet: string }, b: { node: LocalCniNode; subnet: string }): void {
  const wire = `fwl${process.pid}`;
  execFileSync('ip', ['link', 'add', `${wire}a`, 'netns', a.node.name, 'type', 'veth', 'peer', 'name', `${wire}b`, 'netns', b.node.name]);
  a.node.sh(`ip addr add 198.51.100.1/24 dev ${wire}a && ip link set ${wire}a up && ip route add ${b.subnet} via 198.51.100.2`);
  b.node.sh(`ip addr add 198.51.100.2/24 dev ${wire}b && ip link set ${wire}b up && ip route add ${a.subnet} via 198.51.100.1`);
}
