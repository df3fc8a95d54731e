import { resolveAmount, type Amount, type RolloutSpec } from './spec.js';

type Budget = number | Amount;

function allowedFailures(budget: Budget, of: number): number {
  // A bare 0 tolerates nothing; a percentage of a small wave can still round up to one host.
  return typeof budget === 'number' ? budget : resolveAmount(budget, of);
}

export interface BudgetJudgement {
  spent: boolean;
  /** Which budget ran out first, for the audit trail and the operator. */
  scope: 'wave' | 'overall' | null;
  detail: string;
}

/** Is the failure budget spent? Pure; failures are hosts that failed or could not be rolled out. */
export function judgeFailureBudget(budget: RolloutSpec['failureBudget'], counts: { waveHosts: number; waveFailed: number; plannedHosts: number; totalFailed: number }): BudgetJudgement {
  const waveAllowed = allowedFailures(budget.perWave, counts.waveHosts);
  if (counts.waveFailed > waveAllowed) {
    return { spent: true, scope: 'wave', detail: `${counts.waveFailed} of ${counts.waveHosts} hosts in this wave failed; the wave budget allows ${waveAllowed}` };
  }
  const overallAllowed = allowedFailures(budget.overall, counts.plannedHosts);
  if (counts.totalFailed > overallAllowed) {
    return { spent: true, scope: 'overall', detail: `${counts.totalFailed} of ${counts.plannedHosts} hosts failed so far; the overall budget allows ${overallAllowed}` };
  }
  return { spent: false, scope: null, detail: `${counts.waveFailed}/${waveAllowed} of the wave budget, ${counts.totalFailed}/${overallAllowed} overall` };
}

const DAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const WEEKDAY_SHORT: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localDayAndMinute(now: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '0';
  return { day: WEEKDAY_SHORT[part('weekday')]!, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

function minutes(hhmm: string): number {
  const [hours, mins] = hhmm.split(':').map(Number);
  return hours! * 60 + mins!;
}

/**
 * May a rollout dispatch now? No windows means always. A window whose end is before its start
 * runs past midnight: 22:00-04:00 on "fri" covers Friday night and the small hours of Saturday.
 */
export function inMaintenanceWindow(windows: RolloutSpec['maintenanceWindows'], now: Date): boolean {
  if (windows.length === 0) return true;
  return windows.some((window) => {
    const { day, minute } = localDayAndMinute(now, window.timezone);
    const start = minutes(window.start);
    const end = minutes(window.end);
    const days = new Set(window.days.map((name) => DAY_INDEX[name]!));
    if (start < end) return days.has(day) && minute >= start && minute < end;
    return (days.has(day) && minute >= start) || (days.has((day + 6) % 7) && minute < end);
  });
}
