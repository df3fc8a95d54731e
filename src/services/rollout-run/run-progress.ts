import type { HostState } from '../../rollout/host-machine.js';
import type { RolloutStatus } from '../../rollout/rollout-machine.js';

/** What a running rollout tells its terminal: each a line, or a redraw of the progress footer. */
export type RunProgress =
  | { type: 'rollout'; status: RolloutStatus; reason: string | null; by: 'runner' | 'operator' }
  | { type: 'host'; hostname: string; wave: number; status: HostState['status']; detail: string | null }
  | { type: 'step'; hostname: string; label: string; outcome: 'ok' | 'failed' | 'skipped'; detail: string; durationMs: number }
  | { type: 'wait'; why: string }
  | { type: 'wave-completed'; wave: number; next: number }
  | { type: 'health'; wave: number; healthy: boolean; detail: string }
  | { type: 'counts'; wave: number; waves: number; byStatus: Record<string, number> };
