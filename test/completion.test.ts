import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { complete, FILES, type CompletableCommand } from '../src/cli/completion.js';
import { runCli } from './support/cli.js';
import { CLI, INVENTORIES } from './support/paths.js';
import { tempDir } from './support/temp.js';

const COMMANDS: CompletableCommand[] = [
  { id: 'fleet:list', args: [], flags: { where: { type: 'option' }, db: { type: 'option' }, json: { type: 'boolean' } } },
  { id: 'fleet:history', args: [{ name: 'hostname' }], flags: { since: { type: 'option' }, db: { type: 'option' } } },
  { id: 'fleet:unquarantine', args: [{ name: 'hostname' }], flags: { reason: { type: 'option' } } },
  { id: 'debug:dump', args: [{ name: 'hosts' }], flags: { out: { type: 'option' } } },
  { id: 'rollout:status', args: [{ name: 'name' }], flags: { state: { type: 'option', options: ['failed', 'pending', 'running'] }, watch: { type: 'boolean' } } },
  { id: 'rollout:plan', args: [{ name: 'spec' }], flags: { 'dry-run': { type: 'boolean' } } },
  { id: 'schema', args: [{ name: 'kind', options: ['inventory', 'playbook', 'rollout'] }], flags: {} },
  { id: 'audit:log', args: [], flags: { host: { type: 'option' }, db: { type: 'option' } } },
  { id: '__complete', args: [], flags: {}, hidden: true },
];
const names = {
  rollouts: (prefix: string) => ['kernel-515', 'cni-netkit'].filter((name) => name.startsWith(prefix)),
  hostnames: (prefix: string) => ['web-01', 'web-02', 'db-01'].filter((name) => name.startsWith(prefix)),
};

describe('what completes (pure)', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['topics and commands at the start, hidden ones left out', [''], ['audit', 'debug', 'fleet', 'rollout', 'schema']],
    ["a topic's commands", ['fleet', 'h'], ['history']],
    ['flags of the command', ['rollout', 'status', '--'], ['--help', '--state', '--watch']],
    ["a flag's options", ['rollout', 'status', 'k', '--state', 'p'], ['pending']],
    ['rollout names from the database', ['rollout', 'status', ''], ['cni-netkit', 'kernel-515']],
    ['host names from the database, after a flag and its value', ['fleet', 'history', '--since', '7d', 'web'], ['web-01', 'web-02']],
    ['every further host of a variadic host list', ['fleet', 'unquarantine', 'web-01', 'd'], ['db-01']],
    ['debug dump takes host names', ['debug', 'dump', 'w'], ['web-01', 'web-02']],
    ['--host takes host names', ['audit', 'log', '--host', 'd'], ['db-01']],
    ['files where a file goes', ['rollout', 'plan', ''], [FILES]],
    ['--db is a file', ['fleet', 'list', '--db', ''], [FILES]],
    ["an argument's options", ['schema', 'p'], ['playbook']],
    ['nothing after the last argument', ['rollout', 'status', 'kernel-515', ''], []],
    ['nothing for a free-form flag value', ['fleet', 'list', '--where', ''], []],
  ];
  for (const [name, words, expected] of cases) test(name, () => assert.deepEqual(complete(COMMANDS, words, names), expected));
});

describe('completion in a real bash', () => {
  test('the script fleetwave prints completes commands, rollout states and host names from the database', () => {
    const dir = tempDir('fleetwave-completion-');
    const db = path.join(dir, 'fleet.db');
    assert.equal(runCli(['fleet', 'import', path.join(INVENTORIES, 'hosts.json'), '--db', db]).code, 0);
    const script = runCli(['completion', 'bash']);
    assert.equal(script.code, 0);
    writeFileSync(path.join(dir, 'completion.bash'), script.stdout);
    // `fleetwave` on PATH is this build: a function standing in for the installed binary.
    const reply = (line: string) => {
      const words = line.split(' ');
      const program = [
        `fleetwave() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }`,
        `source ${JSON.stringify(path.join(dir, 'completion.bash'))}`,
        `COMP_WORDS=(${words.map((word) => JSON.stringify(word)).join(' ')}); COMP_CWORD=${words.length - 1}`,
        '_fleetwave_complete',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      return execFileSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FLEETWAVE_DB: db } })
        .split('\n')
        .filter(Boolean);
    };
    assert.deepEqual(reply('fleetwave rollout sta'), ['status']);
    assert.deepEqual(reply('fleetwave fleet show j-'), ['j-01', 'j-02']);
    assert.deepEqual(reply('fleetwave rollout status x --state rolle'), ['rolled-back']);
    assert.ok(reply('fleetwave fleet list --').includes('--where'));
  });
});
