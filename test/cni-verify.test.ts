import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyNodeAcl } from '../src/cni/acl/node-acl.js';
import { AclRuleSetSchema, compileAcl } from '../src/cni/acl/rules.js';
import { judgeCell, judgeCounters, planProbes, type CellVerdict, type NodeUp, type VerifyNode } from '../src/cni/verify/matrix.js';
import { runVerify, type VerifyLayout } from '../src/cni/verify/run-verify.js';
import { createLocalCniNode, linkLocalNodes, type LocalCniNode } from './support/cni-node.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

const pod = (requested: 'veth' | 'netkit', device: 'veth' | 'netkit' | null, address: string | null, extra: Partial<NodeUp['pods'][number]> = {}) => ({
  requested,
  device,
  address,
  fallback: null,
  error: null,
  ...extra,
});
const node = (hostname: string, up: Partial<NodeUp> & Pick<NodeUp, 'pods'>, acl: VerifyNode['acl'] = null): VerifyNode => ({
  hostname,
  up: { simulated: false, hostAddress: `192.0.2.${hostname.length}`, ...up },
  acl,
});

describe('cni verify, the pure part: which cells are probed, and what a cell says', () => {
  test('two healthy nodes: every cell is probed, both directions across nodes, TCP only between pods', () => {
    const nodes = [
      node('a', { pods: [pod('veth', 'veth', '10.1.0.2'), pod('netkit', 'netkit', '10.1.0.3')] }),
      node('bb', { pods: [pod('veth', 'veth', '10.2.0.2'), pod('netkit', 'netkit', '10.2.0.3')] }),
    ];
    const plan = planProbes(nodes);
    assert.deepEqual(plan.unprobed, []);
    const ids = plan.probes.get('a')!.map(({ cell, address }) => `${cell.id} -> ${address}`);
    assert.deepEqual(ids, [
      'a:veth>netkit:icmp -> 10.1.0.3',
      'a:veth>netkit:tcp -> 10.1.0.3',
      'a:veth>host:icmp -> 192.0.2.1',
      'a:veth>veth@bb:icmp -> 10.2.0.2',
      'a:veth>veth@bb:tcp -> 10.2.0.2',
      'a:veth>netkit@bb:icmp -> 10.2.0.3',
      'a:veth>netkit@bb:tcp -> 10.2.0.3',
      'a:netkit>veth:icmp -> 10.1.0.2',
      'a:netkit>veth:tcp -> 10.1.0.2',
      'a:netkit>host:icmp -> 192.0.2.1',
      'a:netkit>veth@bb:icmp -> 10.2.0.2',
      'a:netkit>veth@bb:tcp -> 10.2.0.2',
      'a:netkit>netkit@bb:icmp -> 10.2.0.3',
      'a:netkit>netkit@bb:tcp -> 10.2.0.3',
    ]);
    assert.equal(plan.probes.get('bb')!.filter(({ cell }) => cell.to.hostname === 'a').length, 8, 'bb probes a: the ring closes');
  });

  test('cells that cannot be probed say why: fallback and simulation are untestable, a pod the plugin could not make is a failure', () => {
    const cases: Array<{ why: string; up: Partial<NodeUp> & Pick<NodeUp, 'pods'>; status: string; detail: RegExp }> = [
      {
        why: 'a kernel without netkit',
        up: { pods: [pod('veth', 'veth', '10.1.0.2'), pod('netkit', 'veth', '10.1.0.3', { fallback: 'netkit pair: Error: Unknown device type.' })] },
        status: 'untestable',
        detail: /made the netkit test pod on veth: netkit pair: Error: Unknown device type\./,
      },
      {
        why: 'a simulated lab kernel',
        up: { simulated: true, pods: [pod('veth', 'veth', '10.1.0.2'), pod('netkit', 'veth', '10.1.0.3')] },
        status: 'untestable',
        detail: /simulated kernel on a lab host \(a\)/,
      },
      {
        why: 'a plugin that cannot make pods',
        up: { pods: [pod('veth', null, null, { error: 'IPAM (host-local) failed' }), pod('netkit', 'netkit', '10.1.0.3')] },
        status: 'failed',
        detail: /veth test pod could not be made on a: IPAM/,
      },
    ];
    for (const item of cases) {
      const plan = planProbes([node('a', item.up)]);
      const cell = plan.unprobed.find((verdict) => verdict.id === 'a:netkit>veth:icmp')!;
      assert.equal(cell.status, item.status, item.why);
      assert.match(cell.detail, item.detail, item.why);
      assert.ok(
        plan.probes.get('a')!.every(({ cell: probed }) => probed.from !== probed.to.hostname),
        item.why,
      );
    }
  });

  test('a probe passes only when the packet did what the ACL says', () => {
    const acl = compileAcl(AclRuleSetSchema.parse({ rules: [{ action: 'deny', to: '10.2.0.0/24', protocol: 'tcp', port: 7777 }] }));
    const cell = { id: 'x', hostname: 'a', from: 'veth' as const, to: { kind: 'pod' as const, hostname: 'b', device: 'veth' as const } };
    const table: Array<[string, 'icmp' | 'tcp', boolean, string, string]> = [
      ['10.2.0.2', 'icmp', true, 'ok', 'reached 10.2.0.2'],
      ['10.2.0.2', 'icmp', false, 'failed', '10.2.0.2 not reached; the ACL allows it (ACL default)'],
      ['10.2.0.2', 'tcp', false, 'ok', 'dropped as the ACL says (ACL rule 1)'],
      ['10.2.0.2', 'tcp', true, 'failed', 'reached 10.2.0.2, but the ACL should have dropped it (ACL rule 1)'],
    ];
    for (const [address, protocol, reached, status, detail] of table) {
      const verdict = judgeCell({ ...cell, protocol }, address, acl, reached);
      assert.deepEqual([verdict.status, verdict.detail], [status, detail], `${protocol} ${reached}`);
    }
    assert.equal(judgeCell({ ...cell, protocol: 'icmp' }, '10.2.0.2', null, false).detail, '10.2.0.2 not reached', 'no ACL, no rule to blame');
  });

  test('every ACL rule that judged a probe must have counted it', () => {
    const acl = compileAcl(AclRuleSetSchema.parse({ rules: [{ action: 'deny', to: '10.2.0.0/24', protocol: 'tcp', port: 7777 }] }));
    const cell = { id: 'x', hostname: 'a', from: 'veth' as const, to: { kind: 'pod' as const, hostname: 'b', device: 'veth' as const } };
    const verdicts: CellVerdict[] = [
      judgeCell({ ...cell, protocol: 'tcp' }, '10.2.0.2', acl, false),
      judgeCell({ ...cell, protocol: 'icmp' }, '10.2.0.2', acl, true),
      judgeCell({ ...cell, protocol: 'icmp' }, '10.3.0.2', acl, true),
      { ...cell, protocol: 'icmp', status: 'untestable', expected: null, observed: null, ruleId: null, detail: 'simulated' },
    ];
    const reading = (generationInForce: number, counts: Array<[number, number]>) => ({ generationInForce, packets: new Map(counts) });
    const summary = (checks: ReturnType<typeof judgeCounters>) => checks.map((check) => [check.ruleId, check.action, check.probes, check.packets, check.status]);
    const table: Array<[string, Parameters<typeof judgeCounters>[3], Parameters<typeof judgeCounters>[4], unknown[]]> = [
      [
        'every rule counted at least its probes (other traffic adds more)',
        reading(4, [
          [0, 10],
          [1, 0],
        ]),
        reading(4, [
          [0, 19],
          [1, 3],
        ]),
        [
          [0, 'allow', 2, 9, 'ok'],
          [1, 'deny', 1, 3, 'ok'],
        ],
      ],
      [
        'a drop the program did not count: something else dropped it',
        reading(4, [
          [0, 10],
          [1, 5],
        ]),
        reading(4, [
          [0, 12],
          [1, 5],
        ]),
        [
          [0, 'allow', 2, 2, 'ok'],
          [1, 'deny', 1, 0, 'failed'],
        ],
      ],
      [
        'fewer packets than probes',
        reading(4, [
          [0, 0],
          [1, 0],
        ]),
        reading(4, [
          [0, 1],
          [1, 1],
        ]),
        [
          [0, 'allow', 2, 1, 'failed'],
          [1, 'deny', 1, 1, 'ok'],
        ],
      ],
      [
        'the set was replaced during the run: not comparable, not failed',
        reading(4, [
          [0, 0],
          [1, 0],
        ]),
        reading(5, [
          [0, 0],
          [1, 0],
        ]),
        [
          [0, 'allow', 2, null, 'untestable'],
          [1, 'deny', 1, null, 'untestable'],
        ],
      ],
      [
        'unreadable counters fail',
        { problem: 'bpftool: no such map' },
        reading(4, []),
        [
          [0, 'allow', 2, null, 'failed'],
          [1, 'deny', 1, null, 'failed'],
        ],
      ],
    ];
    for (const [name, before, after, expected] of table) assert.deepEqual(summary(judgeCounters(acl, 4, verdicts, before, after)), expected, name);
    assert.match(judgeCounters(acl, 4, verdicts, reading(4, [[1, 5]]), reading(4, [[1, 5]]))[1]!.detail, /ACL rule 1 \(deny\) counted 0 packets for 1 probe: the program did not see every probe/);
    assert.deepEqual(judgeCounters(acl, 4, verdicts.slice(3), reading(4, []), reading(4, [])), [], 'unprobed cells check no counter');
  });
});

/**
 * The real thing on this machine: two nodes (network namespaces linked by a wire, each routing the
 * other's pod subnet), the node datapath from the repo, test pods made through fleetwave-cni and
 * Debian's host-local, ICMP and TCP probes, and the ACL program with tcx. No netkit in this kernel.
 */
describe('cni verify on two local nodes: real veth pods, netkit untestable, the ACL held to its word', { concurrency: false }, () => {
  const dir = tempDir('fleetwave-cni-verify-');
  let nodeA: LocalCniNode;
  let nodeB: LocalCniNode;
  const layoutOf = (target: LocalCniNode): VerifyLayout => ({
    aclHelper: path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-acl'),
    bpffs: target.bpffs,
    verifyHelper: path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-verify'),
  });
  const leftNamespaces = () => readdirSync('/run/netns').filter((name) => name.startsWith(`${nodeA.name}-v`) || name.startsWith(`${nodeB.name}-v`));
  const targets = () => [
    { hostname: 'node-a', shell: nodeA, layout: layoutOf(nodeA) },
    { hostname: 'node-b', shell: nodeB, layout: layoutOf(nodeB) },
  ];
  before(async () => {
    nodeA = createLocalCniNode(`fwva-${process.pid}`, dir, '10.244.201.0/24');
    nodeB = createLocalCniNode(`fwvb-${process.pid}`, dir, '10.244.202.0/24');
    linkLocalNodes({ node: nodeA, subnet: '10.244.201.0/24' }, { node: nodeB, subnet: '10.244.202.0/24' });
    for (const target of [nodeA, nodeB]) {
      const loaded = await target.run(`fleetwave-acl load ${path.join(REPO_ROOT, 'bpf', 'out', 'acl.bpf.o')}`);
      assert.equal(loaded.exitCode, 0, loaded.stderr);
    }
  });
  after(() => {
    nodeA?.destroy();
    nodeB?.destroy();
  });

  test('every veth cell passes, every netkit cell says why it cannot be tested, and nothing is left behind', async () => {
    const outcome = await runVerify(targets(), layoutOf(nodeA));
    assert.equal(outcome.failed, 0, JSON.stringify(outcome.nodes.flatMap((matrix) => matrix.cells.filter((cell) => cell.status === 'failed'))));
    for (const matrix of outcome.nodes) {
      const vethOnly = matrix.cells.filter((cell) => cell.from === 'veth' && (cell.to.kind === 'host' || cell.to.device === 'veth'));
      assert.deepEqual(
        vethOnly.map((cell) => `${cell.id} ${cell.status}`),
        vethOnly.map((cell) => `${cell.id} ok`),
      );
      assert.deepEqual(
        vethOnly.map((cell) =>
          cell.id
            .split(':')
            .slice(1)
            .join(':')
            .replace(/@node-[ab]/, '@other'),
        ),
        ['veth>host:icmp', 'veth>veth@other:icmp', 'veth>veth@other:tcp'],
      );
      for (const cell of matrix.cells.filter((candidate) => candidate.from === 'netkit' || (candidate.to.kind === 'pod' && candidate.to.device === 'netkit'))) {
        assert.equal(cell.status, 'untestable', cell.id);
        assert.match(cell.detail, /made the netkit test pod on veth: netkit pair: (.*cannot create netkit devices|.*Unknown device type)/, cell.id);
      }
    }
    assert.deepEqual(leftNamespaces(), [], 'the test pods are gone');
  });

  test('a drop the ACL asks for is a passing cell; the next run cleans what an interrupted run left', async () => {
    const deny = compileAcl(AclRuleSetSchema.parse({ rules: [{ name: 'no-tcp-to-b', action: 'deny', to: '10.244.202.0/24', protocol: 'tcp', port: 7777 }] }));
    await applyNodeAcl(nodeA, { aclHelper: layoutOf(nodeA).aclHelper, bpffs: nodeA.bpffs }, deny);
    const interrupted = await nodeA.run(`fleetwave-verify up 0badc0de`);
    assert.equal(interrupted.exitCode, 0, interrupted.stderr);
    assert.equal(leftNamespaces().length, 2, 'an interrupted run left two test pods');
    const outcome = await runVerify(targets(), layoutOf(nodeA));
    assert.deepEqual(outcome.leftovers, [{ hostname: 'node-a', removed: [`${nodeA.name}-v-0badc0de-netkit`, `${nodeA.name}-v-0badc0de-veth`] }]);
    const cell = outcome.nodes[0]!.cells.find((candidate) => candidate.id === 'node-a:veth>veth@node-b:tcp')!;
    assert.deepEqual([cell.status, cell.expected, cell.observed, cell.detail], ['ok', 'drop', 'not reached', 'dropped as the ACL says (ACL rule 1)']);
    const icmp = outcome.nodes[0]!.cells.find((candidate) => candidate.id === 'node-a:veth>veth@node-b:icmp')!;
    assert.deepEqual([icmp.status, icmp.expected, icmp.observed], ['ok', 'pass', 'reached']);
    assert.equal(outcome.failed, 0);
    // node-a's probes that reached the program: the denied TCP connect, and ICMP to node-b's pod and to node-a.
    const counters = outcome.nodes[0]!.counters;
    assert.deepEqual(
      counters.map((check) => [check.ruleId, check.action, check.probes, check.status]),
      [
        [0, 'allow', 2, 'ok'],
        [1, 'deny', 1, 'ok'],
      ],
      JSON.stringify(counters),
    );
    assert.ok(counters[1]!.packets! >= 1, 'the deny rule counted the dropped SYN');
    assert.deepEqual(outcome.counters.failed, 0);
    assert.deepEqual(leftNamespaces(), []);
  });

  test("a node whose plugin cannot make pods fails verify, cell by cell, with the plugin's reason", async () => {
    nodeB.sh(`cp ${nodeB.env.FLEETWAVE_CNI_CONF} ${nodeB.env.FLEETWAVE_CNI_CONF}.good && jq '.ipam.type = "no-such-ipam"' ${nodeB.env.FLEETWAVE_CNI_CONF}.good > ${nodeB.env.FLEETWAVE_CNI_CONF}`);
    try {
      const outcome = await runVerify(targets(), layoutOf(nodeA));
      const b = outcome.nodes.find((matrix) => matrix.hostname === 'node-b')!;
      assert.ok(b.failed > 0);
      assert.match(b.cells.find((cell) => cell.id === 'node-b:veth>host:icmp')!.detail, /veth test pod could not be made on node-b: the IPAM plugin no-such-ipam is not in CNI_PATH/);
      assert.ok(
        outcome.nodes[0]!.cells.filter((cell) => cell.to.hostname === 'node-b').every((cell) => cell.status !== 'ok'),
        'cells towards the broken node do not pass either',
      );
    } finally {
      nodeB.sh(`mv ${nodeB.env.FLEETWAVE_CNI_CONF}.good ${nodeB.env.FLEETWAVE_CNI_CONF}`);
    }
    assert.deepEqual(leftNamespaces(), []);
  });
});
