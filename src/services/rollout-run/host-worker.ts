import type { RolloutHost } from '../../adapters/store/rollout-repository.js';
import type { Host } from '../../fleet/host.js';
import { PROBE_SCRIPT } from '../../probe/probe-script.js';
import { parseProbeOutput, ProbeParseError, type ProbeFacts } from '../../probe/probe-facts.js';
import { parseStepEffectId } from '../../rollout/effect-ids.js';
import { reasonOf, transitionHost, type HostEvent, type HostState } from '../../rollout/host-machine.js';
import { rolloutKind } from '../../rollout/kinds/index.js';
import { QUARANTINE_LABEL } from '../../rollout/planner.js';
import { stepLabel } from '../../rollout/playbook.js';
import { describeNotUndone, judgeRestored, judgeStepsRun, planRollback, type RollbackPlan, type StepRecord } from '../../rollout/rollback-scope.js';
import { probedEvent, probedHost } from '../fleet-probe.js';
import { audit, commit, commitSoon, hostRow, nowIso, type RunContext } from './run-context.js';
import { effectIdOf, recordStep, runStep, stepEvent, type StepOutcome } from './step-runner.js';

const PROBE_TIMEOUT_MS = 60_000;

function fleetHost(context: RunContext, hostname: string): Host | null {
  return context.store.hosts.find(hostname);
}

const notInFleet = (hostname: string): StepOutcome => ({
  ok: false,
  skipped: false,
  detail: `${hostname} is no longer in the fleet`,
  exitCode: null,
  registered: null,
  durationMs: 0,
  attempted: false,
});
const notRun = (why: string): StepOutcome => ({ ok: true, skipped: true, detail: why, exitCode: null, registered: null, durationMs: 0, attempted: false });

/** The quarantine label's value when this rollout's rollback of a host failed. */
function quarantineValue(context: RunContext): string {
  return `rollback failed in rollout ${context.name}`;
}

/** Applies a host event and stores it with its audit event; runs inside the caller's transaction. */
function applyHostEvent(context: RunContext, row: RolloutHost, event: HostEvent, details: Record<string, unknown> = {}): HostState {
  const next = transitionHost(row.state, event, { stepCount: context.playbook.steps.length });
  context.store.rollouts.saveHostState(context.name, row.hostname, next, nowIso(context));
  // Step to step (running -> running) is recorded by the step's own event; a change of status gets one too.
  if (next.status !== row.state.status) {
    const detail = reasonOf(next);
    audit(context, [
      {
        subject: `rollout:${context.name}`,
        host: row.hostname,
        action: `rollout.host.${next.status}`,
        details: { from: row.state.status, event: event.type, wave: row.wave, reason: detail, ...details },
      },
    ]);
    context.report({ type: 'host', hostname: row.hostname, wave: row.wave, status: next.status, detail });
  }
  return next;
}

/** Moves a host by one event in its own transaction, reading its state fresh inside it (the runner's own moves). */
export function moveHost(context: RunContext, hostname: string, event: HostEvent): HostState {
  return commit(context, () => applyHostEvent(context, hostRow(context, hostname), event));
}

/** Moves many hosts by the same event in one transaction (skipping a chunk of pending hosts). */
export function moveHosts(context: RunContext, hostnames: readonly string[], event: HostEvent): void {
  commit(context, () => {
    for (const hostname of hostnames) applyHostEvent(context, hostRow(context, hostname), event);
  });
}

/** The same from a host worker: committed with the other workers' writes, resolved once durable. */
function moveHostSoon(context: RunContext, hostname: string, event: HostEvent): Promise<HostState> {
  return commitSoon(context, () => applyHostEvent(context, hostRow(context, hostname), event));
}

function reportStep(context: RunContext, hostname: string, label: string, outcome: StepOutcome): void {
  context.report({ type: 'step', hostname, label, outcome: outcome.skipped ? 'skipped' : outcome.ok ? 'ok' : 'failed', detail: outcome.detail, durationMs: outcome.durationMs });
}

type ProbeReading = { facts: ProbeFacts } | { error: string };

/** Reads a host as `fleet probe` does (one round trip); recordProbe stores what it saw. */
async function readProbe(context: RunContext, host: Host): Promise<ProbeReading> {
  const result = await context.executor.run(context.connectionOf(host), PROBE_SCRIPT, { timeoutMs: PROBE_TIMEOUT_MS });
  if (result.status !== 'ok') return { error: result.error ? `${result.error.kind}: ${result.error.message}` : `the probe exited ${result.exitCode}` };
  try {
    return { facts: parseProbeOutput(result.stdout) };
  } catch (error) {
    if (!(error instanceof ProbeParseError)) throw error;
    return { error: error.message };
  }
}

/**
 * Records what a probe saw in the inventory with a host.probed event, inside the caller's write,
 * so the fleet's observed state is current after every change and every rollback.
 */
function recordProbe(context: RunContext, host: Host, facts: ProbeFacts, purpose: string): void {
  // What changed is judged against the inventory as it is now, not the worker's copy: an earlier
  // probe of this run (the baseline) has moved it on since.
  const before = fleetHost(context, host.hostname) ?? host;
  // One time stamp for the row and its event: the fleet's history is rebuilt from the event.
  const now = nowIso(context);
  context.store.hosts.recordProbe(host.hostname, facts, now);
  audit(context, [probedEvent(probedHost(before, facts), { rollout: context.name, purpose })], now);
}

/** What the ledger knows of the host's forward steps, for the "what may have run" judgement. */
function forwardRecords(context: RunContext, hostname: string): StepRecord[] {
  return context.store.ledger.effectsOf(context.name, hostname).flatMap((effect) => {
    const id = parseStepEffectId(effect.effectId);
    if (id?.section !== 'step') return [];
    // Ledgers written before `attempted` was recorded: assume the worst, the step was issued.
    return [{ index: id.index, status: effect.status, skipped: effect.result?.skipped === true, attempted: effect.result?.attempted !== false }];
  });
}

/** Runs the playbook's checks once; the first failing one names the problem. */
export async function checkHost(context: RunContext, hostname: string, known?: Host | null): Promise<{ healthy: boolean; detail: string }> {
  // No checks: nothing to run, nothing to read (a soak reads every succeeded host of its wave).
  if (context.playbook.checks.length === 0) return { healthy: true, detail: 'the playbook has no checks' };
  const host = known === undefined ? fleetHost(context, hostname) : known;
  if (!host) return { healthy: false, detail: `${hostname} is no longer in the fleet` };
  const row = hostRow(context, hostname);
  for (const [index, step] of context.playbook.checks.entries()) {
    const outcome = await runStep(context, host, row, 'check', index, step);
    if (!outcome.ok) return { healthy: false, detail: `check ${stepLabel(step, index)} failed: ${outcome.detail}` };
  }
  return { healthy: true, detail: `${context.playbook.checks.length} checks passed` };
}

/** The playbook's cleanup steps, once a host is settled. Best effort: a failure is reported, never changes the host's state. */
async function cleanupHost(context: RunContext, hostname: string): Promise<void> {
  if (context.playbook.cleanup.length === 0) return;
  const host = fleetHost(context, hostname);
  if (!host) return;
  for (const [index, step] of context.playbook.cleanup.entries()) {
    const outcome = await runStep(context, host, hostRow(context, hostname), 'cleanup', index, step);
    reportStep(context, hostname, `cleanup: ${stepLabel(step, index)}`, outcome);
    await commitSoon(context, () => audit(context, [stepEvent(context, hostname, 'cleanup', index, step, outcome)]));
  }
}

/**
 * Before the first step changes anything, the host's state as `fleet probe` reads it: what a
 * rollback must restore. Hosts a runner already started without one (older rollouts) go on
 * without; their rollback then cannot be verified, and says so.
 */
async function recordBaseline(context: RunContext, host: Host, row: RolloutHost): Promise<RolloutHost> {
  const seen = await readProbe(context, host);
  if ('facts' in seen) {
    await commitSoon(context, () => {
      recordProbe(context, host, seen.facts, 'baseline');
      context.store.rollouts.saveBaseline(context.name, host.hostname, seen.facts);
    });
    return { ...row, baseline: seen.facts };
  }
  if (row.state.status !== 'running') return row;
  const failed: HostEvent = { type: 'StepFailed', step: row.state.step, reason: `before any change: cannot read the host's state to restore it later: ${seen.error}` };
  const state = await commitSoon(context, () => applyHostEvent(context, hostRow(context, host.hostname), failed));
  return { ...row, state };
}

/**
 * Drives one host forward through its steps and verification, one transition per step, until it
 * succeeds or fails, or the rollout stops dispatching work (abort, rollback, lost lease). Returns
 * the status the host was left in, or null when the rollout stopped first.
 */
export async function driveHost(context: RunContext, hostname: string): Promise<HostState['status'] | null> {
  // Read once: a host this rollout holds cannot leave the fleet meanwhile (import --prune and lab
  // down refuse locked hosts), and labels are read fresh where they matter (quarantine).
  const host = fleetHost(context, hostname);
  // Read once, then carried forward from this worker's own writes: while a runner's worker holds a
  // host, only that worker moves it. Every transition still reads the row fresh inside its write.
  let row = hostRow(context, hostname);
  for (;;) {
    if (context.stopping()) return null;
    if (row.state.status === 'running') {
      if (host && row.baseline === null && forwardRecords(context, hostname).length === 0) {
        row = await recordBaseline(context, host, row);
        continue;
      }
      const index = row.state.step;
      const step = context.playbook.steps[index]!;
      const outcome = host ? await runStep(context, host, row, 'step', index, step) : notInFleet(hostname);
      reportStep(context, hostname, stepLabel(step, index), outcome);
      const before = row;
      row = await commitSoon(context, () => {
        recordStep(context, hostname, 'step', index, step, outcome);
        const registered = outcome.registered ? { ...before.registered, [outcome.registered.name]: outcome.registered.value } : before.registered;
        if (outcome.registered) context.store.rollouts.saveRegistered(context.name, hostname, registered);
        audit(context, [stepEvent(context, hostname, 'step', index, step, outcome)]);
        const state = applyHostEvent(
          context,
          hostRow(context, hostname),
          outcome.ok ? { type: 'StepSucceeded', step: index } : { type: 'StepFailed', step: index, reason: `${stepLabel(step, index)}: ${outcome.detail}` },
        );
        return { ...before, state, registered };
      });
    } else if (row.state.status === 'verifying') {
      const verdict = await checkHost(context, hostname, host);
      if (!verdict.healthy) return (await moveHostSoon(context, hostname, { type: 'VerifyFailed', reason: verdict.detail })).status;
      // What the host now is (kernel: running and default kernel; cni: its datapath mode), as
      // `fleet probe` reads it, recorded with the host's success so the inventory shows the change
      // without another probe. The probe only reads: it may run before the success is stored.
      const seen = host ? await readProbe(context, host) : null;
      const settled = await commitSoon(context, () => {
        const state = applyHostEvent(context, hostRow(context, hostname), { type: 'VerifyPassed' });
        if (host && seen && 'facts' in seen) recordProbe(context, host, seen.facts, 'succeeded');
        return state;
      });
      await cleanupHost(context, hostname);
      // Verification settles the host: nothing is left to drive.
      return settled.status;
    } else {
      return row.state.status;
    }
  }
}

/**
 * After the rollback steps: the host's state, read as `fleet probe` reads it, must be what it was
 * before the rollout touched it, in every fact the rollout's kind restores (for a kernel: the
 * running kernel, the default and the one-shot boot entry).
 */
async function verifyRestored(context: RunContext, hostname: string): Promise<{ ok: boolean; detail: string; differences: string[] }> {
  const host = fleetHost(context, hostname);
  if (!host) return { ok: false, detail: `${hostname} is no longer in the fleet: its state could not be verified`, differences: [] };
  const { baseline } = hostRow(context, hostname);
  if (baseline === null) return { ok: true, detail: 'not verified: no baseline was recorded before the change (a rollout started by an older fleetwave)', differences: [] };
  const seen = await readProbe(context, host);
  if ('facts' in seen) await commitSoon(context, () => recordProbe(context, host, seen.facts, 'rollback-verify'));
  if ('error' in seen) return { ok: false, detail: `the host's state could not be read to verify the rollback: ${seen.error}`, differences: [] };
  const kind = rolloutKind(context.spec.kind);
  const expected = kind.restorable(baseline);
  const differences = judgeRestored(expected, kind.restorable(seen.facts));
  if (differences.length > 0) return { ok: false, detail: `not restored: ${differences.join('; ')}`, differences };
  return {
    ok: true,
    detail: `restored: ${Object.entries(expected)
      .map(([key, value]) => `${key} ${value ?? 'none'}`)
      .join(', ')}`,
    differences,
  };
}

/**
 * Rolls one host back. What to undo is judged from the ledger (rollback-scope.ts): rollback steps
 * run for every forward step that ran or may have run, and only then, when the host's state
 * matches its baseline again, is the host rolled back. A rollback that stops short says what it
 * could not undo, and the host is quarantined so no later rollout takes it before a person has
 * looked; `rollout rollback` retries it, running every rollback step again.
 */
export async function rollbackHost(context: RunContext, hostname: string, reason: string): Promise<void> {
  let row = hostRow(context, hostname);
  if (row.state.status === 'running' || row.state.status === 'verifying' || row.state.status === 'succeeded' || row.state.status === 'failed') {
    await moveHostSoon(context, hostname, { type: 'RollbackRequested', reason });
    row = hostRow(context, hostname);
  }
  if (row.state.status !== 'rolling-back') return;
  const attempt = row.state.attempt ?? 1;
  const plan: RollbackPlan = planRollback(context.playbook, judgeStepsRun(context.playbook.steps.length, forwardRecords(context, hostname)), { ...context.playbook.vars, ...context.spec.vars });
  const host = fleetHost(context, hostname);
  const fail = (why: string, details: Record<string, unknown>) => {
    applyHostEvent(context, hostRow(context, hostname), { type: 'RollbackFailed', reason: why }, details);
    const now = nowIso(context);
    context.store.hosts.setLabel(hostname, QUARANTINE_LABEL, quarantineValue(context), now);
    audit(context, [{ subject: `host:${hostname}`, host: hostname, action: 'host.quarantined', details: { label: QUARANTINE_LABEL, value: quarantineValue(context) } }], now);
  };
  for (const item of plan.steps) {
    const step = context.playbook.rollback[item.index]!;
    if (context.store.ledger.effect(context.name, effectIdOf(context, hostname, 'rollback', item.index, attempt))?.status === 'done') continue;
    const outcome = !item.run ? notRun(item.why) : host ? await runStep(context, host, hostRow(context, hostname), 'rollback', item.index, step, attempt) : notInFleet(hostname);
    reportStep(context, hostname, `rollback: ${stepLabel(step, item.index)}`, outcome);
    const failed = await commitSoon(context, () => {
      recordStep(context, hostname, 'rollback', item.index, step, outcome, attempt);
      audit(context, [stepEvent(context, hostname, 'rollback', item.index, step, outcome)]);
      if (outcome.ok) return false;
      const notUndone = describeNotUndone(context.playbook, plan, item.index);
      fail(`${stepLabel(step, item.index)}: ${outcome.detail}${notUndone ? `; ${notUndone}` : ''}`, { attempt, notUndone });
      return true;
    });
    if (failed) return cleanupHost(context, hostname);
  }
  const verdict = plan.touched.length > 0 ? await verifyRestored(context, hostname) : { ok: true, detail: 'nothing to undo: no step changed the host', differences: [] };
  context.report({ type: 'step', hostname, label: 'rollback: verify the host is back', outcome: verdict.ok ? 'ok' : 'failed', detail: verdict.detail, durationMs: 0 });
  await commitSoon(context, () => {
    audit(context, [
      {
        subject: `rollout:${context.name}`,
        host: hostname,
        action: 'rollout.host.rollback-verified',
        details: { restored: verdict.ok, detail: verdict.detail, differences: verdict.differences, attempt },
      },
    ]);
    if (!verdict.ok) {
      fail(verdict.detail, { attempt, differences: verdict.differences });
      return;
    }
    applyHostEvent(context, hostRow(context, hostname), { type: 'RollbackSucceeded' }, { attempt, verified: verdict.detail });
    // A retried rollback that worked lifts the quarantine this rollout put on the host (and no other).
    if (fleetHost(context, hostname)?.labels[QUARANTINE_LABEL] === quarantineValue(context)) {
      const now = nowIso(context);
      context.store.hosts.removeLabel(hostname, QUARANTINE_LABEL, now);
      audit(
        context,
        [{ subject: `host:${hostname}`, host: hostname, action: 'host.unquarantined', details: { label: QUARANTINE_LABEL, because: `its rollback in rollout ${context.name} succeeded` } }],
        now,
      );
    }
  });
  await cleanupHost(context, hostname);
}
