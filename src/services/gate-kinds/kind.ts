import type { Gate, GateKindKey } from '../../rollout/gates.js';

export interface GateContext {
  /** Relative secret files resolve against the spec's directory. */
  baseDir: string;
  /** The environment that lets a gate call this same fleetwave on this database (FLEETWAVE_CLI, FLEETWAVE_DB, ...). */
  localEnv?: Record<string, string>;
}

/** What a gate reader returns: healthy or not, and a line saying why. Throwing counts as unhealthy. */
export interface GateJudgement {
  healthy: boolean;
  detail: string;
}

/** One kind of gate: its key in the spec, and how to read it. */
export interface GateKind<K extends GateKindKey = GateKindKey> {
  key: K;
  read(config: NonNullable<Gate[K]>, gate: Gate, context: GateContext): Promise<GateJudgement>;
}
