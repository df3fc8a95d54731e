import { describeHttpError } from '../../adapters/http/http-client.js';
import { GATE_KIND_KEYS, type Gate, type GateKindKey, type GateReading } from '../../rollout/gates.js';
import { redactUrlsIn } from '../../rollout/http-auth.js';
import { cniVerifyGate } from './cni-verify.js';
import { commandGate } from './command.js';
import { httpGate, prometheusGate } from './http.js';
import type { GateContext, GateKind } from './kind.js';

export type { GateContext } from './kind.js';
export { prometheusQueryUrl } from './http.js';

/** Every gate kind, by the key that names it in a spec. A new kind is a file here and one line below. */
export const GATE_KINDS: ReadonlyMap<GateKindKey, GateKind> = new Map<GateKindKey, GateKind>([
  [commandGate.key, commandGate as GateKind],
  [httpGate.key, httpGate as GateKind],
  [prometheusGate.key, prometheusGate as GateKind],
  [cniVerifyGate.key, cniVerifyGate as GateKind],
]);

/** Reads one gate. Every failure to read (refused, timeout, bad answer, a missing secret, an unknown kind) is an unhealthy reading. */
export async function readGate(gate: Gate, context: GateContext): Promise<GateReading> {
  const key = GATE_KIND_KEYS.find((candidate) => gate[candidate] !== undefined);
  const kind = key ? GATE_KINDS.get(key) : undefined;
  if (!key || !kind) return { gate: gate.name, healthy: false, detail: 'a gate of no known kind (fail closed)' };
  try {
    return { gate: gate.name, ...(await kind.read(gate[key] as never, gate, context)) };
  } catch (error) {
    return { gate: gate.name, healthy: false, detail: `could not read the gate (fail closed): ${redactUrlsIn(describeHttpError(error))}` };
  }
}
