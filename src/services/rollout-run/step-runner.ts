import { existsSync } from 'node:fs';
import type { RolloutHost } from '../../adapters/store/rollout-repository.js';
import { runProcess } from '../../adapters/system/run-command.js';
import { sha256File } from '../../adapters/system/sha256-file.js';
import type { Host } from '../../fleet/host.js';
import { BOOT_ID_COMMAND } from '../../probe/probe-script.js';
import { stepEffectId } from '../../rollout/effect-ids.js';
import { stepAction, stepEnabled, stepLabel, type PlaybookStep, type StepAction } from '../../rollout/playbook.js';
import { renderCommand, scopeFor, shellQuote, TemplateError, type TemplateScope } from '../../rollout/template.js';
import type { CommandResult } from '../../ssh/command-result.js';
import type { ConnectionSettings } from '../../ssh/connection-settings.js';
import { resolveUploadDestination, resolveUploadSource } from '../artifacts.js';
import { commitSoon, nowIso, type RunContext } from './run-context.js';

/** step and rollback change hosts and are ledgered; check and cleanup are not. */
export type StepSection = 'step' | 'rollback' | 'check' | 'cleanup';

export interface StepOutcome {
  ok: boolean;
  skipped: boolean;
  detail: string;
  exitCode: number | null;
  registered: { name: string; value: string } | null;
  durationMs: number;
  /** Whether the step's action was issued at all (a failed step that was never issued changed nothing). */
  attempted: boolean;
}

type Performed = { ok: boolean; detail: string; exitCode: number | null; stdout: string; attempted: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Errors after which the command certainly never started on the host. */
const NEVER_STARTED = new Set(['unreachable', 'host-key', 'auth']);

export function effectIdOf(context: RunContext, hostname: string, section: 'step' | 'rollback', index: number, attempt = 1): string {
  return stepEffectId(context.name, hostname, section, index, attempt);
}

function scopeOf(context: RunContext, host: Host, row: RolloutHost): TemplateScope {
  return scopeFor({ target: context.spec.target, rollout: context.name, playbookVars: context.playbook.vars, specVars: context.spec.vars }, host, row.registered);
}

function describe(result: CommandResult): string {
  if (result.status === 'error') return `${result.error?.kind}: ${result.error?.message}`;
  const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' | ');
  return `exit ${result.exitCode ?? result.signal}${output ? `: ${output}` : ''}`;
}

function issued(result: CommandResult): boolean {
  return !(result.status === 'error' && NEVER_STARTED.has(result.error?.kind ?? ''));
}

/** Tries `attempt` up to 1 + step.retries times, step.retry_delay apart, until `succeeded`. */
async function withRetries<T>(step: PlaybookStep, attempt: () => Promise<T>, succeeded: (result: T) => boolean): Promise<T> {
  for (let tried = 0; ; tried += 1) {
    const result = await attempt();
    if (succeeded(result) || tried >= step.retries) return result;
    await sleep(step.retry_delay * 1000);
  }
}

/**
 * A `local: true` step runs on the control host, with the same rendered command (the same
 * quoting and FLEETWAVE_* exports) as a remote one; its result is judged the same way.
 */
async function runLocally(hostname: string, command: string, timeoutMs: number, env: Record<string, string>): Promise<CommandResult> {
  const started = Date.now();
  const outcome = await runProcess('sh', ['-c', command], { timeoutMs, env });
  const status = outcome.code === 0 ? 'ok' : outcome.code === null && outcome.signal === 'SIGKILL' ? 'error' : 'failed';
  return {
    hostname,
    status,
    exitCode: outcome.code,
    signal: outcome.signal,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    stdoutTruncated: false,
    stderrTruncated: false,
    error: status === 'error' ? { kind: 'timeout', message: `the local command did not finish within ${timeoutMs / 1000}s` } : null,
    durationMs: Date.now() - started,
  };
}

function commandRunner(context: RunContext, settings: ConnectionSettings, step: PlaybookStep): (command: string, timeoutMs: number) => Promise<CommandResult> {
  return step.local ? (command, timeoutMs) => runLocally(settings.hostname, command, timeoutMs, context.localEnv) : (command, timeoutMs) => context.executor.run(settings, command, { timeoutMs });
}

async function readBootId(context: RunContext, settings: ConnectionSettings): Promise<string | null> {
  const result = await context.executor.run(settings, BOOT_ID_COMMAND, { timeoutMs: 5000 });
  return result.status === 'ok' ? result.stdout.trim() || null : null;
}

/**
 * Waits for a reboot issued at `issuedAt` to show: a new boot id. The same id past the down
 * deadline means the reboot did not happen; no answer past the up deadline means the host did not
 * come back.
 */
async function awaitNewBoot(context: RunContext, settings: ConnectionSettings, oldBootId: string, action: Extract<StepAction, { kind: 'reboot' }>, issuedAt: number) {
  for (;;) {
    const bootId = await readBootId(context, settings);
    const elapsed = context.clock.now().getTime() - issuedAt;
    if (bootId !== null && bootId !== oldBootId) return { verdict: 'rebooted' as const, bootId };
    if (bootId === oldBootId && elapsed > action.downTimeoutMs) return { verdict: 'not-rebooted' as const, bootId };
    if (bootId === null && elapsed > action.upTimeoutMs) return { verdict: 'never-back' as const, bootId };
    await sleep(1000);
  }
}

async function perform(
  context: RunContext,
  settings: ConnectionSettings,
  step: PlaybookStep,
  action: StepAction,
  scope: TemplateScope,
  before: { bootId?: string },
  issuedAt: number,
): Promise<Performed> {
  const run = commandRunner(context, settings, step);
  switch (action.kind) {
    case 'run':
    case 'check': {
      const command = renderCommand(action.command, scope);
      let anyIssued = false;
      const tryOnce = async () => {
        const outcome = await run(command, step.timeout * 1000);
        anyIssued ||= issued(outcome);
        return outcome;
      };
      const result = await withRetries(step, tryOnce, (outcome) => outcome.status === 'ok');
      const ok = result.status === 'ok';
      return { ok, detail: ok ? (result.stdout.trim().split('\n').at(-1) ?? '') : describe(result), exitCode: result.exitCode, stdout: result.stdout, attempted: anyIssued };
    }
    case 'upload': {
      const source = resolveUploadSource(context.specDir, action.src, scope);
      if (!existsSync(source)) return { ok: false, detail: `${source} does not exist on the control host`, exitCode: null, stdout: '', attempted: false };
      // What lands on the host must be what was pinned when the rollout was planned.
      const pinned = context.artifacts === null ? undefined : context.artifacts[source];
      if (context.artifacts !== null && (pinned === undefined || sha256File(source) !== pinned)) {
        const detail = pinned === undefined ? `${source} was not pinned when the rollout was planned (did the host's inventory fields change?)` : `${source} changed since the rollout was planned`;
        return { ok: false, detail, exitCode: null, stdout: '', attempted: false };
      }
      const dest = resolveUploadDestination(action.dest, scope);
      const upload = await withRetries(
        step,
        () => context.executor.upload(settings, source, dest, pinned),
        (sent) => sent.status === 'ok',
      );
      if (upload.status !== 'ok') return { ok: false, detail: `upload: ${upload.error?.message}`, exitCode: null, stdout: '', attempted: !NEVER_STARTED.has(upload.error?.kind ?? '') };
      if (action.mode) {
        const chmod = await context.executor.run(settings, `chmod ${action.mode} ${shellQuote(dest)}`);
        if (chmod.status !== 'ok') return { ok: false, detail: `chmod: ${describe(chmod)}`, exitCode: chmod.exitCode, stdout: '', attempted: true };
      }
      return { ok: true, detail: `${dest} sha256 ${upload.sha256.slice(0, 12)} verified`, exitCode: 0, stdout: '', attempted: true };
    }
    case 'wait_for': {
      const command = renderCommand(action.command, scope);
      const deadline = context.clock.now().getTime() + action.timeoutMs;
      let last: CommandResult;
      do {
        last = await run(command, Math.min(step.timeout * 1000, action.timeoutMs));
        if (last.status === 'ok') return { ok: true, detail: last.stdout.trim().split('\n').at(-1) ?? '', exitCode: 0, stdout: last.stdout, attempted: true };
        await sleep(action.intervalMs);
      } while (context.clock.now().getTime() < deadline);
      return { ok: false, detail: `not ready within ${action.timeoutMs / 1000}s: ${describe(last)}`, exitCode: last.exitCode, stdout: '', attempted: issued(last) };
    }
    case 'reboot': {
      const sent = await context.executor.run(settings, renderCommand(action.command, scope), { timeoutMs: 30_000 });
      // The session may die with the host: only a command that ran and failed is a failure.
      if (sent.status === 'failed') return { ok: false, detail: `the reboot command failed: ${describe(sent)}`, exitCode: sent.exitCode, stdout: '', attempted: true };
      return rebootVerdict(await awaitNewBoot(context, settings, before.bootId!, action, issuedAt), action);
    }
  }
}

function rebootVerdict(seen: { verdict: 'rebooted' | 'not-rebooted' | 'never-back'; bootId: string | null }, action: Extract<StepAction, { kind: 'reboot' }>): Performed {
  if (seen.verdict === 'rebooted') return { ok: true, detail: `back with boot id ${seen.bootId}`, exitCode: 0, stdout: '', attempted: true };
  if (seen.verdict === 'not-rebooted') return { ok: false, detail: `the host did not go down within ${action.downTimeoutMs / 1000}s (same boot id)`, exitCode: null, stdout: '', attempted: true };
  return { ok: false, detail: `the host did not come back within ${action.upTimeoutMs / 1000}s`, exitCode: null, stdout: '', attempted: true };
}

/**
 * Runs one playbook step on one host. For steps that change the host (`step`, `rollback`) an
 * effect row is written as started before anything runs; the caller records the outcome and the
 * host's transition in one transaction. A step a dead runner left started is re-run only after
 * its `skip_if`; a reboot left started is verified by boot id and never repeated if it happened.
 */
export async function runStep(context: RunContext, host: Host, row: RolloutHost, section: StepSection, index: number, step: PlaybookStep, attempt = 1): Promise<StepOutcome> {
  const started = Date.now();
  const settings = context.connectionOf(host);
  const scope = scopeOf(context, host, row);
  const done = (outcome: Omit<StepOutcome, 'durationMs' | 'registered'> & { stdout?: string }): StepOutcome => ({
    ok: outcome.ok,
    skipped: outcome.skipped,
    detail: outcome.detail,
    exitCode: outcome.exitCode,
    registered: outcome.ok && !outcome.skipped && step.register ? { name: step.register, value: (outcome.stdout ?? '').trim() } : null,
    durationMs: Date.now() - started,
    attempted: outcome.attempted,
  });
  let action: StepAction;
  try {
    action = stepAction(step);
    if (!stepEnabled(step, scope.vars)) return done({ ok: true, skipped: true, detail: `when: ${step.when} is not true`, exitCode: null, attempted: false });
    if (step.skip_if !== undefined) {
      const probe = await commandRunner(context, settings, step)(renderCommand(step.skip_if, scope), step.timeout * 1000);
      if (probe.status === 'ok') return done({ ok: true, skipped: true, detail: 'skip_if held: already done', exitCode: 0, attempted: false });
      if (probe.status === 'error') return done({ ok: false, skipped: false, detail: `skip_if could not run: ${describe(probe)}`, exitCode: null, attempted: false });
    }
    const ledgered = section === 'step' || section === 'rollback';
    const effectId = ledgered ? effectIdOf(context, host.hostname, section, index, attempt) : null;
    const previous = effectId ? context.store.ledger.effect(context.name, effectId) : null;
    if (action.kind === 'reboot' && previous?.status === 'started' && typeof previous.before.bootId === 'string') {
      // A runner died after issuing (or just before issuing) this reboot: look before rebooting again.
      const issuedAt = Date.parse(previous.startedAt);
      const left = (timeoutMs: number) => Math.max(0, Math.round((issuedAt + timeoutMs - context.clock.now().getTime()) / 1000));
      context.report({
        type: 'wait',
        why: `${host.hostname}: a previous runner issued this reboot, or died just before: waiting for a new boot id, at most ${left(action.downTimeoutMs)}s more while the old boot id answers (then the reboot never happened and is issued now), at most ${left(action.upTimeoutMs)}s more while the host does not answer`,
      });
      const seen = await awaitNewBoot(context, settings, previous.before.bootId, action, issuedAt);
      if (seen.verdict !== 'not-rebooted') {
        const verdict = rebootVerdict(seen, action);
        return done({ ...verdict, skipped: false, detail: `${verdict.detail} (the reboot a previous runner issued)` });
      }
    }
    const before: { bootId?: string } = {};
    if (action.kind === 'reboot') {
      const bootId = await readBootId(context, settings);
      if (bootId === null) return done({ ok: false, skipped: false, detail: 'cannot read the boot id before rebooting: the host is unreachable', exitCode: null, attempted: false });
      before.bootId = bootId;
    }
    if (effectId) await commitSoon(context, () => context.store.ledger.start(context.name, { effectId, hostname: host.hostname, kind: action.kind, before }, nowIso(context)));
    const result = await perform(context, settings, step, action, scope, before, context.clock.now().getTime());
    return done({ ...result, skipped: false });
  } catch (error) {
    // Steps run in order: if the step that registers a value never completed here, no later step
    // ran either, so a rollback step that needs the value has nothing to undo.
    if (error instanceof TemplateError && error.kind === 'unregistered' && section === 'rollback') {
      return done({ ok: true, skipped: true, detail: `nothing to undo: ${error.message}`, exitCode: null, attempted: false });
    }
    if (error instanceof TemplateError) return done({ ok: false, skipped: false, detail: error.message, exitCode: null, attempted: false });
    throw error;
  }
}

/** Writes a step's outcome into the ledger; runs inside the caller's transaction. */
export function recordStep(context: RunContext, hostname: string, section: StepSection, index: number, step: PlaybookStep, outcome: StepOutcome, attempt = 1): void {
  if (section !== 'step' && section !== 'rollback') return;
  const effectId = effectIdOf(context, hostname, section, index, attempt);
  const at = nowIso(context);
  if (!context.store.ledger.effect(context.name, effectId)) {
    context.store.ledger.start(context.name, { effectId, hostname, kind: outcome.skipped ? 'skipped' : stepAction(step).kind, before: {} }, at);
  }
  context.store.ledger.finish(
    context.name,
    effectId,
    outcome.ok ? 'done' : 'failed',
    { detail: outcome.detail, skipped: outcome.skipped, attempted: outcome.attempted, exitCode: outcome.exitCode, durationMs: outcome.durationMs },
    at,
  );
}

export function stepEvent(context: RunContext, hostname: string, section: StepSection, index: number, step: PlaybookStep, outcome: StepOutcome) {
  return {
    subject: `rollout:${context.name}`,
    host: hostname,
    action: `rollout.host.${section}`,
    details: {
      index,
      name: stepLabel(step, index),
      outcome: outcome.skipped ? 'skipped' : outcome.ok ? 'ok' : 'failed',
      detail: outcome.detail,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
    },
  };
}
