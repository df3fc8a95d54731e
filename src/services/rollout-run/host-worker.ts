import { QUARANTINE_LABEL } from '../../rollout/planner.js';
import { transitionHost, type HostEvent, type HostState } from '../../rollout/host-machine.js';
import type { Host } from '../../fleet/host.js';
import type { RolloutHost } from '../../adapters/store/rollout-repository.js';
import { audit, commit, hostRow, nowIso, type RunContext } from './run-context.js';
import { recordStep, runStep, stepEvent, type StepOutcome } from './step-runner.js';
import { stepLabel } from '../../rollout/playbook.js';

function fleetHost(context: RunContext, hostname: string): Host | null {
  return context.store.hosts.find(hostname);
}

/** Applies a host event and stores it with its audit event; runs inside the caller's transaction. */
function applyHostEvent(context: RunContext, row: RolloutHost, event: HostEvent): HostState {
  const next = transitionHost({ rollout: context.name, hostname: row.hostname, stepCount: context.playbook.steps.length }, row.state, event);
  context.store.rollouts.saveHostState(context.name, row.hostname, next.state, nowIso(context));
  // Step to step (running -> running) is recorded by the step's own event; a change of status gets one too.
  if (next.state.status !== row.state.status) {
    const detail = 'reason' in next.state ? next.state.reason : null;
    audit(context, [{ subject: `rollout:${context.name}`, host: row.hostname, action: `rollout.host.${next.state.status}`, details: { from: row.state.status, event: event.type, wave: row.wave, reason: detail } }]);
    context.report({ type: 'host', hostname: row.hostname, wave: row.wave, status: next.state.status, detail });
  }
  return next.state;
}

/** Moves a host by one event in its own transaction, reading its state fresh inside it. */
export function moveHost(context: RunContext, hostname: string, event: HostEvent): HostState {
  return commit(context, () => applyHostEvent(context, hostRow(context, hostname), event));
}

function reportStep(context: RunContext, hostname: string, label: string, outcome: StepOutcome): void {
  context.report({ type: 'step', hostname, label, outcome: outcome.skipped ? 'skipped' : outcome.ok ? 'ok' : 'failed', detail: outcome.detail, durationMs: outcome.durationMs });
}

/** Runs the playbook's checks once; the first failing one names the problem. */
export async function checkHost(context: RunContext, hostname: string): Promise<{ healthy: boolean; detail: string }> {
  const host = fleetHost(context, hostname);
  if (!host) return { healthy: false, detail: `${hostname} is no longer in the fleet` };
  const row = hostRow(context, hostname);
  for (const [index, step] of context.playbook.checks.entries()) {
    const outcome = await runStep(context, host, row, 'check', index, step);
    if (!outcome.ok) return { healthy: false, detail: `check ${stepLabel(step, index)} failed: ${outcome.detail}` };
  }
  return { healthy: true, detail: `${context.playbook.checks.length} checks passed` };
}

/**
 * Drives one host forward through its steps and verification, one transition per step, until it
 * succeeds or fails, or the rollout stops dispatching work (abort, rollback, lost lease).
 */
export async function driveHost(context: RunContext, hostname: string): Promise<void> {
  for (;;) {
    if (context.stopping()) return;
    const row = hostRow(context, hostname);
    const host = fleetHost(context, hostname);
    if (row.state.status === 'running') {
      const index = row.state.step;
      const step = context.playbook.steps[index]!;
      const outcome = host
        ? await runStep(context, host, row, 'step', index, step)
        : { ok: false, skipped: false, detail: `${hostname} is no longer in the fleet`, exitCode: null, registered: null, durationMs: 0 };
      reportStep(context, hostname, stepLabel(step, index), outcome);
      commit(context, () => {
        recordStep(context, hostname, 'step', index, step, outcome);
        if (outcome.registered) context.store.rollouts.saveRegistered(context.name, hostname, { ...row.registered, [outcome.registered.name]: outcome.registered.value });
        audit(context, [stepEvent(context, hostname, 'step', index, step, outcome)]);
        applyHostEvent(context, hostRow(context, hostname), outcome.ok ? { type: 'StepSucceeded', step: index } : { type: 'StepFailed', step: index, reason: `${stepLabel(step, index)}: ${outcome.detail}` });
      });
    } else if (row.state.status === 'verifying') {
      const verdict = await checkHost(context, hostname);
      moveHost(context, hostname, verdict.healthy ? { type: 'VerifyPassed' } : { type: 'VerifyFailed', reason: verdict.detail });
    } else {
      return;
    }
  }
}

/**
 * Rolls one host back with the playbook's rollback steps. A host on which no step ever started has
 * nothing to undo. Steps already done (before a runner died) are not run again. A host whose
 * rollback fails is quarantined, so no later rollout picks it up before a person has looked.
 */
export async function rollbackHost(context: RunContext, hostname: string, reason: string): Promise<void> {
  let row = hostRow(context, hostname);
  if (row.state.status === 'running' || row.state.status === 'verifying' || row.state.status === 'succeeded' || row.state.status === 'failed') {
    moveHost(context, hostname, { type: 'RollbackRequested', reason });
    row = hostRow(context, hostname);
  }
  if (row.state.status !== 'rolling-back') return;
  const touched = context.store.ledger.effectsOf(context.name, hostname).some((effect) => effect.effectId.includes(':step:'));
  if (!touched) {
    moveHost(context, hostname, { type: 'RollbackSucceeded' });
    return;
  }
  const host = fleetHost(context, hostname);
  for (const [index, step] of context.playbook.rollback.entries()) {
    const previous = context.store.ledger.effect(context.name, `${context.name}:${hostname}:rollback:${index}`);
    if (previous?.status === 'done') continue;
    const outcome = host
      ? await runStep(context, host, row, 'rollback', index, step)
      : { ok: false, skipped: false, detail: `${hostname} is no longer in the fleet`, exitCode: null, registered: null, durationMs: 0 };
    reportStep(context, hostname, `rollback: ${stepLabel(step, index)}`, outcome);
    const failed = commit(context, () => {
      recordStep(context, hostname, 'rollback', index, step, outcome);
      audit(context, [stepEvent(context, hostname, 'rollback', index, step, outcome)]);
      if (outcome.ok) return false;
      applyHostEvent(context, hostRow(context, hostname), { type: 'RollbackFailed', reason: `${stepLabel(step, index)}: ${outcome.detail}` });
      const label = `rollback failed in rollout ${context.name}`;
      context.store.hosts.setLabel(hostname, QUARANTINE_LABEL, label, nowIso(context));
      audit(context, [{ subject: `host:${hostname}`, host: hostname, action: 'host.quarantined', details: { label: QUARANTINE_LABEL, value: label } }]);
      return true;
    });
    if (failed) return;
  }
  moveHost(context, hostname, { type: 'RollbackSucceeded' });
}
