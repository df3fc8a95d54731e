import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kernelKind } from '../src/rollout/kinds/kernel/index.js';
import { loadDocument } from '../src/documents/load-document.js';
import { PlaybookSchema, type Playbook } from '../src/rollout/playbook.js';
import { describeNotUndone, judgeRestored, judgeStepsRun, planRollback, type StepRan, type StepRecord } from '../src/rollout/rollback-scope.js';
import { makeFacts } from './support/hosts.js';
import { REPO_ROOT } from './support/paths.js';

const record = (index: number, status: StepRecord['status'], extra: Partial<StepRecord> = {}): StepRecord => ({ index, status, skipped: false, attempted: true, ...extra });

describe('what may have run: judged from the ledger', () => {
  const cases: [string, StepRecord[], StepRan[]][] = [
    ['nothing in the ledger: nothing ran', [], ['not-run', 'not-run', 'not-run']],
    ['done steps ran', [record(0, 'done'), record(1, 'done')], ['ran', 'ran', 'not-run']],
    ['a step left started by a dead runner may have run', [record(0, 'done'), record(1, 'started')], ['ran', 'may-have-run', 'not-run']],
    ['a step that failed after it was issued may have run (half done, or done and then timed out)', [record(0, 'failed')], ['may-have-run', 'not-run', 'not-run']],
    ['a step that failed before it was issued (unreachable, skip_if could not run) did not run', [record(0, 'failed', { attempted: false })], ['not-run', 'not-run', 'not-run']],
    ['a step skipped by skip_if or when did nothing', [record(0, 'done', { skipped: true }), record(1, 'done')], ['not-run', 'ran', 'not-run']],
    ['records for steps the playbook no longer has are ignored', [record(7, 'done')], ['not-run', 'not-run', 'not-run']],
  ];
  for (const [name, records, expected] of cases) test(name, () => assert.deepEqual(judgeStepsRun(3, records), expected));
});

describe('what a rollback runs, for the shipped kernel-upgrade playbook', () => {
  const playbook: Playbook = loadDocument('kernel-upgrade.yaml', readFileSync(path.join(REPO_ROOT, 'playbooks', 'kernel-upgrade.yaml'), 'utf8'), PlaybookSchema).value!;
  const index = (name: string) => playbook.steps.findIndex((step) => step.name === name);
  /** The forward steps up to and including `last`, with `lastRan` for the last one. */
  const upTo = (last: string, lastRan: StepRan = 'ran', skippedInstall = false): StepRan[] =>
    playbook.steps.map((step, at) => {
      if (at > index(last)) return 'not-run';
      if (skippedInstall && ['upload the package', 'read the package name', 'install the package'].includes(step.name!)) return 'not-run';
      if (step.when === 'vars.drain') return 'not-run';
      return at === index(last) ? lastRan : 'ran';
    });
  const running = (ran: StepRan[], vars = playbook.vars) =>
    planRollback(playbook, ran, vars)
      .steps.filter((step) => step.run)
      .map((step) => step.name);

  const cases: [string, StepRan[], string[]][] = [
    ['the host could not be reached at all: nothing to undo', playbook.steps.map(() => 'not-run'), []],
    ['it failed while uploading: nothing installed, nothing to clear', upTo('upload the package', 'may-have-run'), ['reboot into the previous kernel', 'running the previous kernel']],
    [
      'aborted between grub-reboot and the reboot: the one-shot entry is cleared and the package removed',
      upTo('boot the new kernel once'),
      ['clear the one-shot boot entry', 'reboot into the previous kernel', 'running the previous kernel', 'remove the new kernel package'],
    ],
    [
      'the reboot never came back (reboot-hangs): the same, the reboot back included',
      upTo('reboot into it', 'may-have-run'),
      ['clear the one-shot boot entry', 'reboot into the previous kernel', 'running the previous kernel', 'remove the new kernel package'],
    ],
    [
      'a host that succeeded and is rolled back with its wave: the default entry too',
      upTo('make it the default'),
      ['clear the one-shot boot entry', 'restore the default boot entry', 'reboot into the previous kernel', 'running the previous kernel', 'remove the new kernel package'],
    ],
    [
      'the kernel was already installed (skip_if held): the package stays',
      upTo('make it the default', 'ran', true),
      ['clear the one-shot boot entry', 'restore the default boot entry', 'reboot into the previous kernel', 'running the previous kernel'],
    ],
  ];
  for (const [name, ran, expected] of cases) test(name, () => assert.deepEqual(running(ran), expected));

  test('with drain on, the rollback drains before rebooting back and uncordons the node the rollout cordoned', () => {
    const ran = playbook.steps.map((step, at) => (at <= index('reboot into it') ? 'ran' : 'not-run') as StepRan);
    const drainOn = { ...playbook.vars, drain: 'true' };
    const names = running(ran, drainOn);
    assert.ok(names.includes('drain the node before rebooting back'));
    assert.ok(names.includes('uncordon the node'));
    assert.ok(!running(ran).includes('uncordon the node'), 'drain off: no kubectl at all');
    const beforeDrain = playbook.steps.map((_step, at) => (at < index('drain the node') ? 'ran' : 'not-run') as StepRan);
    assert.ok(!running(beforeDrain, drainOn).includes('uncordon the node'), 'a node the rollout never drained is not uncordoned');
  });

  test('a rollback that stops says exactly what it left undone', () => {
    const plan = planRollback(playbook, upTo('reboot into it', 'may-have-run'), playbook.vars);
    const clear = playbook.rollback.findIndex((step) => step.name === 'clear the one-shot boot entry');
    assert.equal(
      describeNotUndone(playbook, plan, clear),
      'not undone: "remember the running kernel" (ran), "remember the default boot entry" (ran), "upload the package" (ran), "read the package name" (ran), "install the package" (ran), "boot the new kernel once" (ran), "reboot into it" (may have run); ' +
        'rollback steps not completed: "clear the one-shot boot entry", "reboot into the previous kernel", "running the previous kernel", "remove the new kernel package"',
    );
    const remove = playbook.rollback.findIndex((step) => step.name === 'remove the new kernel package');
    assert.equal(describeNotUndone(playbook, plan, remove), 'not undone: "install the package" (ran); rollback steps not completed: "remove the new kernel package"');
  });
});

describe('is the host back? its boot state against the baseline', () => {
  const before = makeFacts({ runningKernel: '5.15.0-91-generic', defaultKernel: '5.15.0-91-generic', nextBootKernel: null });
  const cases: [string, Parameters<typeof makeFacts>[0], string[]][] = [
    ['everything as before', {}, []],
    ['a one-shot entry left pointing at the new kernel', { nextBootKernel: '5.15.0-200-netkit' }, ['next-boot (one-shot) entry is 5.15.0-200-netkit, was none']],
    [
      'still running the new kernel, which is also the default',
      { runningKernel: '5.15.0-200-netkit', defaultKernel: '5.15.0-200-netkit' },
      ['running kernel is 5.15.0-200-netkit, was 5.15.0-91-generic', 'default boot entry is 5.15.0-200-netkit, was 5.15.0-91-generic'],
    ],
    ['facts a kernel rollout does not restore do not count', { installedKernels: ['5.15.0-91-generic', '6.1.0-1'], uptimeSeconds: 5, bootId: 'new' }, []],
  ];
  for (const [name, after, expected] of cases) {
    test(name, () => assert.deepEqual(judgeRestored(kernelKind.restorable(before), kernelKind.restorable(makeFacts({ ...before, ...after }))), expected));
  }
});
