import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { entriesInForce, planAclCommit } from '../src/cni/acl/encode.js';
import { applyNodeAcl, commitCommand, commitInput, readNodeAcl, readNodeAclCounters, ruleSetSha256, type NodeLayout } from '../src/cni/acl/node-acl.js';
import { AclRuleSetSchema, compileAcl, judgePacket, parseIpv4Cidr } from '../src/cni/acl/rules.js';
import { createLocalCniNode, type LocalCniNode } from './support/cni-node.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/**
 * The node datapath on this machine's kernel, run as a container runtime runs it: fleetwave-cni
 * with CNI_* variables and its config on stdin, Debian's real host-local IPAM, real veth pods in
 * real namespaces, and the real ACL program attached with tcx, its maps written by fleetwave's
 * planner through the node helper. This kernel has no netkit: netkit mode must fall back to veth
 * and say why. Real netkit is tested in the VM lab (test/vm-lab.test.ts). Needs root.
 */
const SUBNET = '10.244.199.0/24';
const ACL_OBJECT = path.join(REPO_ROOT, 'bpf', 'out', 'acl.bpf.o');
// The CNI plugin's result document, as the CNI spec defines it; read loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ipOf = (result: { json: any }) => String(result.json.ips[0].address).split('/')[0]!;

interface Pod {
  netns: string;
  ip: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CNI result document
  result: any;
}

/** One node of its own per test: nothing a test sees was left by another, whatever their order. */
interface Scenario {
  dir: string;
  node: LocalCniNode;
  layout: NodeLayout;
  pods: Record<string, Pod>;
  config(extra?: object): object;
  ipamFile(ip: string): string;
  /** ADDs a pod (as the runtime would) and records it, so it is deleted after the test. */
  addPod(name: string, extra?: object): Pod;
  loadAcl(): Promise<void>;
  listen(pod: string, port: number): Promise<void>;
}

let nodesMade = 0;

async function withNode(work: (scenario: Scenario) => Promise<void> | void): Promise<void> {
  const dir = tempDir('fleetwave-cni-');
  const node = createLocalCniNode(`fwcni-${process.pid}-${(nodesMade += 1)}`, dir);
  const listeners: Array<ReturnType<typeof spawn>> = [];
  const config = (extra: object = {}) => ({
    cniVersion: '1.0.0',
    name: 'fwtest',
    type: 'fleetwave-cni',
    ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], dataDir: path.join(dir, 'ipam') },
    ...extra,
  });
  const pods: Record<string, Pod> = {};
  const scenario: Scenario = {
    dir,
    node,
    layout: { aclHelper: path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-acl'), bpffs: node.bpffs },
    pods,
    config,
    ipamFile: (ip) => path.join(dir, 'ipam', 'fwtest', ip),
    addPod(name, extra = {}) {
      const netns = node.addPodNamespace(name);
      const result = node.cni('ADD', name, netns, config(extra));
      assert.equal(result.code, 0, JSON.stringify(result.json) + result.stderr);
      pods[name] = { netns, ip: ipOf(result), result: result.json };
      return pods[name]!;
    },
    async loadAcl() {
      const loaded = await node.run(`fleetwave-acl load ${ACL_OBJECT}`);
      assert.equal(loaded.exitCode, 0, loaded.stderr);
    },
    async listen(pod, port) {
      listeners.push(await listen(node, pod, port));
    },
  };
  try {
    await work(scenario);
  } finally {
    for (const listener of listeners) listener.kill();
    for (const [pod, { netns }] of Object.entries(pods)) node.cni('DEL', pod, netns, config());
    node.destroy();
  }
}

function ping(node: LocalCniNode, from: string, to: string): boolean {
  return node.inPod(from, ['ping', '-c', '1', '-W', '1', to]).code === 0;
}
function tcpConnects(node: LocalCniNode, from: string, to: string, port: number): boolean {
  return node.inPod(from, ['nc', '-z', '-n', '-w', '1', to, String(port)]).code === 0;
}

describe('fleetwave-cni on this machine: the CNI spec, veth pods, netkit fallback, the ACL with tcx', { concurrency: false }, () => {
  test('VERSION lists the spec versions; bad calls get spec error JSON on stdout and a non-zero exit', () =>
    withNode(({ node, dir, config }) => {
      const version = node.cni('VERSION', 'x', null, { cniVersion: '1.1.0' });
      assert.equal(version.code, 0);
      assert.deepEqual(version.json, { cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] });
      const cases: Array<{ why: string; command: string; config: object | string; env?: Record<string, string>; code: number; message: RegExp }> = [
        { why: 'no CNI_COMMAND', command: '', config: config(), code: 4, message: /CNI_COMMAND is not set/ },
        { why: 'an unknown command', command: 'FROB', config: config(), code: 4, message: /FROB is not ADD, DEL, CHECK/ },
        { why: 'config that is not JSON', command: 'ADD', config: '{"cniVersion": ', code: 6, message: /not JSON/ },
        { why: 'an unsupported version', command: 'ADD', config: config({ cniVersion: '9.9.9' }), code: 1, message: /9\.9\.9 is not supported/ },
        { why: 'no IPAM', command: 'ADD', config: { cniVersion: '1.0.0', name: 'x', type: 'fleetwave-cni' }, code: 7, message: /no ipam\.type/ },
        { why: 'a pod namespace that does not exist', command: 'ADD', config: config(), code: 3, message: /does not exist/ },
        { why: 'STATUS without the IPAM plugin', command: 'STATUS', config: config(), env: { CNI_PATH: dir }, code: 50, message: /host-local is not in CNI_PATH/ },
        { why: 'CHECK without prevResult', command: 'CHECK', config: config(), code: 7, message: /needs prevResult/ },
      ];
      for (const item of cases) {
        const result = node.cni(item.command, 'c-errors', '/run/netns/fwcni-does-not-exist', item.config, item.env);
        assert.notEqual(result.code, 0, item.why);
        assert.equal(result.json?.code, item.code, `${item.why}: ${JSON.stringify(result.json)}`);
        assert.match(result.json.msg, item.message, item.why);
      }
      assert.equal(node.cni('STATUS', 'x', null, config()).code, 0, 'STATUS is ready when host-local is in CNI_PATH');
    }));

  test("the ACL program loads and pins under the node's bpffs; an empty set lets everything through", () =>
    withNode(async ({ node, layout, loadAcl }) => {
      await loadAcl();
      assert.deepEqual(readdirSync(path.join(node.bpffs, 'acl', 'maps')).sort(), ['acl_config', 'acl_counters', 'acl_rules']);
      const again = await node.run(`fleetwave-acl load ${ACL_OBJECT}`);
      assert.equal(again.exitCode, 0, 'loading twice is harmless');
      const reading = await readNodeAcl(node, layout);
      assert.deepEqual(reading.state, { generation: 0, defaultDeny: false, entries: [] });
    }));

  test('ADD makes veth pods as ptp does: a /32 from host-local, a gateway route, a /32 route on the node; CHECK passes', () =>
    withNode(({ node, pods, config, ipamFile, addPod }) => {
      for (const pod of ['a', 'b']) {
        const { netns, ip, result } = addPod(pod);
        assert.equal(result.cniVersion, '1.0.0');
        assert.match(result.ips[0].address, /^10\.244\.199\.\d+\/32$/);
        assert.equal(result.ips[0].gateway, '169.254.1.1');
        assert.equal(result.interfaces[1].name, 'eth0');
        assert.equal(result.interfaces[1].sandbox, netns);
        assert.match(result.interfaces[1].mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
        assert.ok(existsSync(ipamFile(ip)), 'host-local recorded the address');
        const check = node.cni('CHECK', pod, netns, config({ prevResult: result }));
        assert.equal(check.code, 0, JSON.stringify(check.json));
      }
      assert.ok(ping(node, 'a', pods.b!.ip), 'veth pod to veth pod through the node');
      assert.ok(ping(node, 'a', '169.254.1.1'), 'pod to node');
      const routes = node.inPod('a', ['ip', 'route']).stdout;
      assert.match(routes, /default via 169\.254\.1\.1 dev eth0/);
      const again = node.cni('ADD', 'a', pods.a!.netns, config());
      assert.equal(again.json?.code, 100, 'a second ADD for the same interface is refused, not silently doubled');
    }));

  test('netkit mode on a kernel without netkit: the pod still starts, on veth, and the reason is logged', () =>
    withNode(({ node, pods, addPod }) => {
      addPod('a');
      // The mode file is what an operator, or the CNI playbook, flips; the plugin reads it on every ADD.
      node.sh(`echo netkit > ${node.stateDir}/cni-mode`);
      // CNI 1.1.0, which Debian's host-local (1.1.1) does not speak: the plugin talks 1.0.0 to it.
      const { result } = addPod('c', { cniVersion: '1.1.0' });
      assert.equal(result.cniVersion, '1.1.0');
      assert.match(result.interfaces[0].name, /^fwve/, 'a veth pair');
      const log = readFileSync(node.fallbackLog, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.equal(log.at(-1).container, 'c');
      assert.equal(log.at(-1).fallback, 'veth');
      assert.match(log.at(-1).reason, /^netkit pair: (ip utility, iproute2-[0-9.]+, .* cannot create netkit devices \(iproute2 >= 6\.8 can\)|.*Unknown device type)/);
      assert.ok(ping(node, 'c', pods.a!.ip), 'the fallback pod talks to the pod made before the flip');
      const devices = readdirSync(path.join(node.stateDir, 'pods')).map((file) => JSON.parse(readFileSync(path.join(node.stateDir, 'pods', file), 'utf8')).device);
      assert.deepEqual(devices.sort(), ['veth', 'veth']);
    }));

  test('an applied rule set drops what it denies and counts per rule; the maps hold exactly the compiled set', () =>
    withNode(async ({ node, layout, pods, addPod, loadAcl, listen }) => {
      await loadAcl();
      for (const pod of ['a', 'b', 'c']) addPod(pod);
      const rules = AclRuleSetSchema.parse({ rules: [{ name: 'no-ping-b', action: 'deny', to: pods.b!.ip, protocol: 'icmp' }] });
      const acl = compileAcl(rules);
      const outcome = await applyNodeAcl(node, layout, acl);
      assert.deepEqual(outcome, { generation: 1, rules: 1, sha256: ruleSetSha256(acl), unchanged: false });
      assert.equal(ping(node, 'a', pods.b!.ip), false, 'denied: ICMP to pod b');
      assert.ok(ping(node, 'a', pods.c!.ip), 'allowed: ICMP to pod c');
      await listen('b', 8080);
      assert.ok(tcpConnects(node, 'a', pods.b!.ip, 8080), 'allowed: TCP to pod b');
      const reading = await readNodeAcl(node, layout);
      assert.deepEqual(
        entriesInForce(reading.state),
        acl.entries.map(({ name: _name, ...entry }) => entry),
      );
      const counters = await readNodeAclCounters(node, layout);
      const denied = counters.counters.find((rule) => rule.name === 'no-ping-b')!;
      assert.ok(denied.packets >= 1 && denied.bytes >= 84, `the deny rule counted the dropped ping: ${JSON.stringify(denied)}`);
      assert.ok(counters.counters[0]!.packets >= 2, 'packets no rule matched are counted as rule 0');
      // The kernel and fleetwave's oracle agree on these packets.
      const destination = (ip: string) => (parseIpv4Cidr(ip) as { cidr: { address: number } }).cidr.address;
      assert.deepEqual(judgePacket(acl, { protocol: 1, port: 0, destination: destination(pods.b!.ip) }), { deny: true, ruleId: 1 });
      assert.deepEqual(judgePacket(acl, { protocol: 6, port: 8080, destination: destination(pods.b!.ip) }), { deny: false, ruleId: 0 });
      const again = await applyNodeAcl(node, layout, acl);
      assert.equal(again.unchanged, true, 'the same set again writes nothing');
    }));

  test('replacing a set is all or nothing: a batch that stops before the flip, or a stale plan, leaves the old set in force', () =>
    withNode(async ({ node, layout, pods, addPod, loadAcl, listen }) => {
      await loadAcl();
      for (const pod of ['a', 'b']) addPod(pod);
      await listen('b', 8080);
      await listen('b', 8081);
      const set1 = compileAcl(AclRuleSetSchema.parse({ rules: [{ name: 'no-ping-b', action: 'deny', to: pods.b!.ip, protocol: 'icmp' }] }));
      assert.equal((await applyNodeAcl(node, layout, set1)).generation, 1);
      const set2 = compileAcl(AclRuleSetSchema.parse({ rules: [{ name: 'no-8080', action: 'deny', to: SUBNET, protocol: 'tcp', port: 8080 }] }));
      const before = await readNodeAcl(node, layout);
      const plan = planAclCommit(before.state, set2, ruleSetSha256(set2), node.bpffs);
      const flip = plan.batch.findIndex((line) => line.includes('acl_config'));
      const broken = [...plan.batch.slice(0, flip), `map update pinned ${node.bpffs}/acl/maps/no-such-map key hex 00 value hex 00`, ...plan.batch.slice(flip)];
      const failed = await node.run(commitCommand(layout, plan.expectedGeneration), commitInput({ applied: plan.applied, batch: broken }));
      assert.notEqual(failed.exitCode, 0);
      const stale = await node.run(commitCommand(layout, plan.expectedGeneration + 7), commitInput(plan));
      assert.equal(stale.exitCode, 75, stale.stderr);
      const after = await readNodeAcl(node, layout);
      assert.equal(after.state.generation, 1);
      assert.equal(after.applied?.sha256, before.applied?.sha256);
      assert.deepEqual(entriesInForce(after.state), entriesInForce(before.state));
      assert.equal(ping(node, 'a', pods.b!.ip), false, 'the old set still drops ICMP to b');

      const outcome = await applyNodeAcl(node, layout, set2);
      assert.equal(outcome.generation, 2);
      const installed = await readNodeAcl(node, layout);
      assert.deepEqual(
        installed.state.entries.map((entry) => entry.generation),
        [2],
        'leftovers of the failed apply and the old set are gone',
      );
      assert.ok(ping(node, 'a', pods.b!.ip), 'ICMP to b passes under the new set');
      assert.equal(tcpConnects(node, 'a', pods.b!.ip, 8080), false, 'TCP 8080 in the subnet is dropped');
      assert.ok(tcpConnects(node, 'a', pods.b!.ip, 8081), 'TCP 8081 passes');
      const counters = await readNodeAclCounters(node, layout);
      assert.equal(counters.generation, 2);
      assert.deepEqual(
        counters.counters.map((rule) => rule.name),
        ['no rule matched', 'no-8080'],
      );
      assert.ok(counters.counters[1]!.packets >= 1, 'the new rule counted its drop');
      assert.ok(counters.counters[0]!.packets >= 2 && counters.counters[0]!.packets < 100, "the new set's counters started from zero");
    }));

  test('CHECK notices a pod whose node side is gone; DEL frees the address and is idempotent, also without the namespace', () =>
    withNode(({ node, pods, config, ipamFile, addPod }) => {
      for (const pod of ['a', 'b', 'c']) addPod(pod);
      node.sh(`ip link del ${pods.c!.result.interfaces[0].name}`);
      const check = node.cni('CHECK', 'c', pods.c!.netns, config({ prevResult: pods.c!.result }));
      assert.equal(check.json?.code, 100);
      assert.match(check.json.msg, /node-side device .* is gone/);
      for (const pod of ['a', 'c']) {
        assert.equal(node.cni('DEL', pod, pods[pod]!.netns, config()).code, 0);
        assert.equal(existsSync(ipamFile(pods[pod]!.ip)), false, `${pod}'s address is free again`);
        assert.equal(node.cni('DEL', pod, pods[pod]!.netns, config()).code, 0, 'a second DEL is fine');
      }
      assert.deepEqual(readdirSync(path.join(node.stateDir, 'pods')).length, 1, 'only b is recorded on the node');
      assert.equal(node.cni('DEL', 'b', '', config()).code, 0, 'DEL without a namespace still releases the address');
      assert.equal(existsSync(ipamFile(pods.b!.ip)), false);
      assert.deepEqual(
        node
          .sh('ip -o link show')
          .split('\n')
          .filter((line) => /fw(ve|nk)/.test(line)),
        [],
        'no pod device is left on the node',
      );
      assert.deepEqual(readdirSync(path.join(node.stateDir, 'pods')), []);
      for (const pod of Object.keys(pods)) delete pods[pod];
    }));

  test('unload keeps a program a pod holds, removes it once none does, and leaves what others put in the bpffs', () =>
    withNode(async ({ node, pods, config, addPod, loadAcl }) => {
      await loadAcl();
      const record = (pod: string) =>
        JSON.parse(
          node
            .sh(`cat ${node.stateDir}/pods/*`)
            .split('\n')
            .find((line) => line.includes(`"container":"${pod}"`))!,
        );
      const unload = () => node.sh(`FLEETWAVE_BPFFS=${node.bpffs} FLEETWAVE_CNI_STATE=${node.stateDir} ${path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-acl')} unload`).trim();
      mkdirSync(path.join(node.bpffs, 'links', 'not-fleetwaves'), { recursive: true });
      const { netns } = addPod('d');
      assert.equal(record('d').acl, true, 'the pod holds the ACL program (tcx on its veth)');
      assert.match(unload(), /^kept: 1 pods hold the program \(fwve/);
      assert.ok(existsSync(path.join(node.bpffs, 'acl', 'prog')), 'still loaded');
      assert.equal(node.cni('DEL', 'd', netns, config()).code, 0);
      delete pods.d;
      assert.equal(unload(), 'unloaded');
      assert.equal(existsSync(path.join(node.bpffs, 'acl')), false, 'program and map pins are gone');
      assert.ok(existsSync(path.join(node.bpffs, 'links', 'not-fleetwaves')), 'a pin directory fleetwave did not make stays');
      const plain = addPod('e');
      assert.equal(record('e').acl, false, 'a pod made without a loaded program holds none');
      assert.equal(unload(), 'not loaded');
      assert.equal(node.cni('DEL', 'e', plain.netns, config()).code, 0);
      delete pods.e;
    }));
});

/** A TCP listener in a pod (nc -lk), resolved once nc says it is listening. */
function listen(node: LocalCniNode, pod: string, port: number): Promise<ReturnType<typeof spawn>> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/run/netns/${node.name}-${pod}`, 'nc', '-lknv', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    child.stderr.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (/Listening on/.test(said)) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`nc in ${pod} exited (${code}): ${said}`)));
  });
}
