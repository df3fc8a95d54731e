import { z } from 'zod';
import { judgePacket, parseIpv4Cidr, type CompiledAcl } from '../acl/rules.js';

/**
 * `cni verify`, the pure part: which cells of the connectivity matrix to probe from what each node
 * made, and the verdict of each cell. A cell is a source pod (veth or netkit) reaching a target
 * (a pod on its own node, its node, or a pod on the next node) over ICMP or TCP. A cell passes
 * only when it was really probed and the packet did what the node's ACL says it should; a cell that
 * cannot be probed says why, and never passes.
 */

export const DEVICES = ['veth', 'netkit'] as const;
export type Device = (typeof DEVICES)[number];
export const PROTOCOLS = ['icmp', 'tcp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** The port the node helper's test pods listen on (bpf/cni/fleetwave-verify). */
export const VERIFY_PORT = 7777;

/** What `fleetwave-verify up` printed for one node. */
export const NodeUpSchema = z.object({
  simulated: z.boolean(),
  hostAddress: z.string(),
  pods: z.array(
    z.object({
      requested: z.enum(DEVICES),
      device: z.enum(DEVICES).nullable(),
      address: z.string().nullable(),
      fallback: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
});
export type NodeUp = z.infer<typeof NodeUpSchema>;

export interface VerifyNode {
  hostname: string;
  up: NodeUp;
  /** The node's ACL in force (decoded from its maps), or null when it has none loaded. */
  acl: CompiledAcl | null;
}

export type Target = { kind: 'pod'; hostname: string; device: Device } | { kind: 'host'; hostname: string };

export interface Cell {
  id: string;
  hostname: string;
  from: Device;
  to: Target;
  protocol: Protocol;
}

export type CellStatus = 'ok' | 'failed' | 'untestable';

export interface CellVerdict extends Cell {
  status: CellStatus;
  /** What the ACL says should happen to this packet; null when the cell was not probed. */
  expected: 'pass' | 'drop' | null;
  /** What happened: reached or not; null when the cell was not probed. */
  observed: 'reached' | 'not reached' | null;
  /** The ACL rule that judged the probe (0: no rule matched, the default); null without an ACL or a probe. */
  ruleId: number | null;
  detail: string;
}

export interface ProbePlan {
  /** Per node: the cells to probe from it, with the address each probe goes to. */
  probes: Map<string, Array<{ cell: Cell; address: string }>>;
  /** Cells that cannot be probed, with the reason: untestable, or failed when a test pod could not be made. */
  unprobed: CellVerdict[];
}

export function targetLabel(target: Target, from: string): string {
  const where = target.hostname === from ? '' : `@${target.hostname}`;
  return target.kind === 'host' ? `host${where}` : `${target.device}${where}`;
}

function cellId(hostname: string, from: Device, to: Target, protocol: Protocol): string {
  return `${hostname}:${from}>${targetLabel(to, hostname)}:${protocol}`;
}

/**
 * Why a node's test pod of this device cannot stand in a cell, or null if it can. A pod the plugin
 * failed to make is a failure (the node cannot start pods); a netkit pod that fell back to veth
 * only makes its cells untestable, since fallback is what the plugin must do without netkit.
 */
export function podProblem(node: VerifyNode, device: Device, requireNetkit = false): { status: 'failed' | 'untestable'; detail: string } | null {
  const pod = node.up.pods.find((candidate) => candidate.requested === device);
  if (!pod) return { status: 'failed', detail: `no ${device} test pod was made on ${node.hostname}` };
  if (pod.error) return { status: 'failed', detail: `the ${device} test pod could not be made on ${node.hostname}: ${pod.error}` };
  if (pod.device !== device) {
    // After a node was switched to netkit, netkit not working is the failure being looked for.
    const status = requireNetkit ? 'failed' : 'untestable';
    if (node.up.simulated) return { status, detail: `simulated kernel on a lab host (${node.hostname}): its netkit carries no packet` };
    return { status, detail: `${node.hostname} made the netkit test pod on veth: ${pod.fallback ?? 'no reason logged'}` };
  }
  if (!pod.address) return { status: 'failed', detail: `the ${device} test pod on ${node.hostname} has no address` };
  return null;
}

function podAddress(node: VerifyNode, device: Device): string {
  return node.up.pods.find((pod) => pod.requested === device)!.address!;
}

/**
 * The cells: from each of a node's pods to its other pod, to its node, and to both pods of the next
 * node (the nodes form a ring, so with two nodes both directions are probed), over ICMP and TCP
 * (TCP only pod to pod: nodes have no test listener). With `requireNetkit` (the health check after
 * a node was switched to netkit), a netkit pod that fell back fails its cells instead.
 */
export function planProbes(nodes: readonly VerifyNode[], options: { requireNetkit?: boolean } = {}): ProbePlan {
  const probes = new Map<string, Array<{ cell: Cell; address: string }>>();
  const unprobed: CellVerdict[] = [];
  nodes.forEach((node, index) => {
    const next = nodes.length > 1 ? nodes[(index + 1) % nodes.length]! : null;
    const list: Array<{ cell: Cell; address: string }> = [];
    for (const from of DEVICES) {
      const targets: Array<{ target: Target; owner: VerifyNode }> = [
        ...DEVICES.filter((device) => device !== from).map((device) => ({ target: { kind: 'pod', hostname: node.hostname, device } as Target, owner: node })),
        { target: { kind: 'host', hostname: node.hostname }, owner: node },
        ...(next ? DEVICES.map((device) => ({ target: { kind: 'pod', hostname: next.hostname, device } as Target, owner: next })) : []),
      ];
      for (const { target, owner } of targets) {
        for (const protocol of PROTOCOLS) {
          if (protocol === 'tcp' && target.kind === 'host') continue;
          const cell: Cell = { id: cellId(node.hostname, from, target, protocol), hostname: node.hostname, from, to: target, protocol };
          const problem = podProblem(node, from, options.requireNetkit) ?? (target.kind === 'pod' ? podProblem(owner, target.device, options.requireNetkit) : null);
          if (problem) {
            unprobed.push({ ...cell, status: problem.status, expected: null, observed: null, ruleId: null, detail: problem.detail });
            continue;
          }
          const address = target.kind === 'pod' ? podAddress(owner, target.device) : owner.up.hostAddress;
          if (!address) {
            unprobed.push({ ...cell, status: 'untestable', expected: null, observed: null, ruleId: null, detail: `${owner.hostname} has no global IPv4 address` });
            continue;
          }
          list.push({ cell, address });
        }
      }
    }
    probes.set(node.hostname, list);
  });
  return { probes, unprobed };
}

const PROTOCOL_NUMBER: Record<Protocol, number> = { icmp: 1, tcp: 6 };

/** What the source node's ACL says of one probe: the program judges what pods send. */
export function expectedVerdict(acl: CompiledAcl | null, protocol: Protocol, address: string): { expected: 'pass' | 'drop'; ruleId: number | null } {
  if (!acl) return { expected: 'pass', ruleId: null };
  const parsed = parseIpv4Cidr(address);
  if ('problem' in parsed) return { expected: 'pass', ruleId: null };
  const judged = judgePacket(acl, { protocol: PROTOCOL_NUMBER[protocol], port: protocol === 'tcp' ? VERIFY_PORT : 0, destination: parsed.cidr.address });
  return { expected: judged.deny ? 'drop' : 'pass', ruleId: judged.ruleId };
}

/** The verdict of one probed cell. */
export function judgeCell(cell: Cell, address: string, acl: CompiledAcl | null, reached: boolean): CellVerdict {
  const { expected, ruleId } = expectedVerdict(acl, cell.protocol, address);
  const observed = reached ? 'reached' : 'not reached';
  const ok = (expected === 'pass') === reached;
  const rule = ruleId ? ` (ACL rule ${ruleId})` : ruleId === 0 && acl ? ' (ACL default)' : '';
  const detail = ok
    ? expected === 'pass'
      ? `reached ${address}`
      : `dropped as the ACL says${rule}`
    : expected === 'pass'
      ? `${address} not reached${rule ? `; the ACL allows it${rule}` : ''}`
      : `reached ${address}, but the ACL should have dropped it${rule}`;
  return { ...cell, status: ok ? 'ok' : 'failed', expected, observed, ruleId, detail };
}

/**
 * Whether the ACL rules that judged a node's probes counted them. Every probe a node's test pod
 * sends passes that node's ACL program once or more (a ping is one packet; a refused or dropped
 * TCP connect is a SYN and its retries), so each rule must have counted at least as many packets
 * as probes it judged, on top of whatever other traffic it saw. A rule set replaced during the run
 * starts new counters, so its counts say nothing: untestable, not failed.
 */
export interface CounterCheck {
  ruleId: number;
  action: 'allow' | 'deny';
  /** Probes this rule judged. */
  probes: number;
  /** Packets it counted during the run; null when the counts could not be compared. */
  packets: number | null;
  status: CellStatus;
  detail: string;
}

export interface CounterReading {
  generationInForce: number;
  packets: ReadonlyMap<number, number>;
}

export function judgeCounters(
  acl: CompiledAcl,
  generation: number,
  verdicts: readonly CellVerdict[],
  before: CounterReading | { problem: string },
  after: CounterReading | { problem: string },
): CounterCheck[] {
  const probesByRule = new Map<number, number>();
  for (const verdict of verdicts) if (verdict.observed !== null && verdict.ruleId !== null) probesByRule.set(verdict.ruleId, (probesByRule.get(verdict.ruleId) ?? 0) + 1);
  const actionOf = (ruleId: number): 'allow' | 'deny' => ((ruleId === 0 ? acl.defaultDeny : acl.entries.find((entry) => entry.ruleId === ruleId)?.deny) ? 'deny' : 'allow');
  const name = (ruleId: number) => (ruleId === 0 ? 'the ACL default' : `ACL rule ${ruleId}`);
  // Whether the two readings can be compared at all holds for every rule alike.
  const problem = 'problem' in before ? before.problem : 'problem' in after ? after.problem : null;
  const replaced = problem === null && ((before as CounterReading).generationInForce !== generation || (after as CounterReading).generationInForce !== generation);
  return [...probesByRule.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ruleId, probes]): CounterCheck => {
      const base = { ruleId, action: actionOf(ruleId), probes };
      if (problem !== null) return { ...base, packets: null, status: 'failed', detail: `the counters of ${name(ruleId)} could not be read: ${problem}` };
      const [first, second] = [before, after] as CounterReading[];
      if (replaced) {
        return {
          ...base,
          packets: null,
          status: 'untestable',
          detail: `the rule set was replaced during the run (generation ${generation} became ${second!.generationInForce}): its counters started again`,
        };
      }
      const packets = (second!.packets.get(ruleId) ?? 0) - (first!.packets.get(ruleId) ?? 0);
      const ok = packets >= probes;
      const what = `${name(ruleId)} (${base.action}) counted ${packets} packet${packets === 1 ? '' : 's'} for ${probes} probe${probes === 1 ? '' : 's'}`;
      return { ...base, packets, status: ok ? 'ok' : 'failed', detail: ok ? what : `${what}: the program did not see every probe it should have judged` };
    });
}

export interface NodeMatrix {
  hostname: string;
  simulated: boolean;
  cells: CellVerdict[];
  /** The ACL rules that judged this node's probes, and whether they counted them. */
  counters: CounterCheck[];
  /** Cells, by status. */
  ok: number;
  failed: number;
  untestable: number;
}

/** Cells grouped per node in plan order, with counts of cells (counter checks are counted apart). */
export function summarizeMatrix(nodes: readonly VerifyNode[], verdicts: readonly CellVerdict[], counters: ReadonlyMap<string, CounterCheck[]> = new Map()): NodeMatrix[] {
  return nodes.map((node) => {
    const cells = verdicts.filter((verdict) => verdict.hostname === node.hostname).sort((a, b) => a.id.localeCompare(b.id));
    const count = (status: CellStatus) => cells.filter((cell) => cell.status === status).length;
    return { hostname: node.hostname, simulated: node.up.simulated, cells, counters: counters.get(node.hostname) ?? [], ok: count('ok'), failed: count('failed'), untestable: count('untestable') };
  });
}
