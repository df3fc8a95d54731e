import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { systemClock } from '../src/adapters/clock.js';
import { exitCodeTable } from '../src/cli/exit-codes.js';
import { errorCodesSection } from '../src/cli/help.js';
import { progressFor, PROGRESS_MODES, type ProgressMode } from '../src/cli/progress.js';
import { importSimulatedFleet, planSimulatedRollout, runSimulatedRollout } from '../src/services/simulation/simulated-rollout.js';
import { runCli } from './support/cli.js';
import { CLI, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/** A stderr stand-in that records what was written, a terminal or not. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 80, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream };
}

describe('one progress policy', () => {
  const cases: Array<{ mode: ProgressMode; json: boolean; tty: boolean; expect: 'live' | 'lines' | 'silent' }> = [
    { mode: 'auto', json: false, tty: true, expect: 'live' },
    { mode: 'auto', json: false, tty: false, expect: 'silent' },
    { mode: 'auto', json: true, tty: true, expect: 'silent' },
    { mode: 'auto', json: true, tty: false, expect: 'silent' },
    { mode: 'lines', json: false, tty: true, expect: 'lines' },
    { mode: 'lines', json: true, tty: false, expect: 'lines' },
    { mode: 'none', json: false, tty: true, expect: 'silent' },
  ];
  for (const { mode, json, tty, expect } of cases) {
    test(`--progress ${mode}${json ? ' --json' : ''} on ${tty ? 'a terminal' : 'a pipe'}: ${expect}`, () => {
      const out = stream(tty);
      const progress = progressFor(mode, json, out.stream);
      progress.line('wave 1 host-a: running \u001b[31mred\u001b[0m');
      progress.status('wave 1/3: 4 running');
      progress.status('wave 1/3: 4 running');
      progress.end();
      const text = out.written.join('');
      if (expect === 'silent') assert.equal(text, '');
      if (expect === 'lines') assert.equal(text, 'wave 1 host-a: running \\x1b[31mred\\x1b[0m\n', "plain lines: no status line, no escape of ours, and a host's escape shown as text");
      if (expect === 'live') {
        assert.equal(progress.live, true);
        assert.deepEqual(
          out.written,
          ['\r\u001b[2Kwave 1 host-a: running \\x1b[31mred\\x1b[0m\n', '\r\u001b[2Kwave 1/3: 4 running', '\n'],
          'the status line drawn once (unchanged text is not redrawn) and ended',
        );
      }
    });
  }
  test('the modes are exactly these', () => assert.deepEqual([...PROGRESS_MODES], ['auto', 'lines', 'none']));
});

describe('exit statuses are told in one place', () => {
  test("every command's --help ends with the ERROR CODES section generated from the exit-code table", () => {
    for (const command of [
      ['fleet', 'list'],
      ['rollout', 'run'],
      ['kernel', 'build'],
    ]) {
      const help = runCli([...command, '--help']);
      assert.equal(help.code, 0);
      assert.ok(help.stdout.trimEnd().endsWith(errorCodesSection()), `${command.join(' ')} --help`);
    }
  });

  test('no command restates an exit status in its own help text', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { summary?: string; description?: string }> };
    // lab fault's help tells what a fault makes a command on the host do, not fleetwave's status.
    const restating = Object.entries(manifest.commands).filter(
      ([id, command]) => id !== 'lab:fault' && /\bexits? (with )?(status )?\d\b/i.test(`${command.summary ?? ''} ${command.description ?? ''}`),
    );
    assert.deepEqual(
      restating.map(([id]) => id),
      [],
    );
  });

  test("the README's exit table lists the same error codes under each status as the code does", () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| (\d) \| ([^|]+) \|([^|]*)\|$/gm)].map((match) => [Number(match[1]), [...match[3]!.matchAll(/`([A-Z_]+)`/g)].map((code) => code[1]!).sort()]));
    for (const row of exitCodeTable()) assert.deepEqual(rows.get(row.exit), [...row.codes].sort(), `exit ${row.exit}`);
    assert.equal(rows.size, exitCodeTable().length, 'every status has its row');
  });
});

describe('rollout status --watch --json', () => {
  test('streams one JSON document per line while the rollout runs, and ends with the finished rollout', async () => {
    const dir = tempDir('fleetwave-watch-');
    const { dbPath } = importSimulatedFleet({ dir, hosts: 200, clock: systemClock });
    planSimulatedRollout({ dir, hosts: 200, clock: systemClock, spec: { waves: [1, '100%'], canary: 1, parallel: 2, soak: '1s' } });
    const watcher = spawn(process.execPath, [CLI, 'rollout', 'status', 'simulated', '--watch', '--json', '--db', dbPath], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    watcher.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.on('close', resolve));
    // The first reading is printed before the run starts: the watcher saw the rollout planned.
    await new Promise<void>((resolve) => watcher.stdout.once('data', () => resolve()));
    const { result } = await runSimulatedRollout({ dbPath, name: 'simulated' }, { clock: systemClock, pollMs: 20 });
    assert.equal(result.status, 'completed');
    assert.equal(await exited, 0);
    const readings = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: number; result: { rollout: { status: string } } });
    assert.ok(readings.length >= 2, `${readings.length} readings`);
    assert.equal(readings[0]!.result.rollout.status, 'planned');
    assert.equal(readings.at(-1)!.result.rollout.status, 'completed');
    assert.ok(readings.every((reading) => reading.status === 0));
  });
});
