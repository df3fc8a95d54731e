import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { TailBuffer } from '../src/adapters/ssh/tail-buffer.js';
import { parseJumpSpec, resolveConnection, type SshConfigValues } from '../src/ssh/connection-settings.js';
import { groupResults } from '../src/ssh/group-results.js';
import { judgeHostKey } from '../src/ssh/host-key-policy.js';
import { entryMatches, fingerprint, keyTypeOf, KnownHostsIndex, knownHostsName, parseKnownHosts } from '../src/ssh/known-hosts.js';
import { loadSshConfig, sshConfigLookups } from '../src/adapters/ssh/ssh-config-files.js';
import SSHConfig from 'ssh-config';
import { planLab, isLabAddress } from '../src/lab/layout.js';
import { tempDir } from './support/temp.js';

describe('known_hosts', () => {
  const dir = tempDir();
  const keyFile = path.join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  const [keyType, keyBase64] = readFileSync(`${keyFile}.pub`, 'utf8').split(' ') as [string, string];
  const blob = Buffer.from(keyBase64, 'base64');

  test('fingerprints match ssh-keygen -l and the key type is read from the blob', () => {
    const expected = execFileSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(fingerprint(blob), expected);
    assert.equal(keyTypeOf(blob), 'ssh-ed25519');
  });

  test('plain patterns, ports, globs and negation follow OpenSSH', () => {
    const entries = parseKnownHosts([`web1,10.0.0.1 ${keyType} ${keyBase64}`, `[db1]:2222 ${keyType} ${keyBase64}`, `*.dc1,!bad.dc1 ${keyType} ${keyBase64}`, '# comment', ''].join('\n'), 'kh');
    assert.equal(entries.length, 3);
    assert.equal(entries[0]!.source, 'kh:1');
    assert.ok(entryMatches(entries[0]!, [knownHostsName('10.0.0.1', 22)]));
    assert.ok(!entryMatches(entries[0]!, [knownHostsName('10.0.0.1', 2200)]));
    assert.ok(entryMatches(entries[1]!, [knownHostsName('db1', 2222)]));
    assert.ok(!entryMatches(entries[1]!, [knownHostsName('db1', 22)]));
    assert.ok(entryMatches(entries[2]!, ['web.dc1']));
    assert.ok(!entryMatches(entries[2]!, ['bad.dc1']));
  });

  test('hashed entries written by ssh-keygen -H match their host and nothing else', () => {
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, `lab-h042,198.18.0.44 ${keyType} ${keyBase64}\n[lab-h043]:2222 ${keyType} ${keyBase64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    assert.ok(
      entries.every((entry) => entry.hostPatterns.every((pattern) => pattern.startsWith('|1|'))),
      'ssh-keygen hashed every name',
    );
    const matching = (name: string) => entries.filter((entry) => entryMatches(entry, [name])).length;
    assert.equal(matching('lab-h042'), 1);
    assert.equal(matching('198.18.0.44'), 1);
    assert.equal(matching('[lab-h043]:2222'), 1);
    assert.equal(matching('lab-h043'), 0);
    assert.equal(matching('lab-h044'), 0);
  });
});

describe('host key verdicts', () => {
  const key = (base64: string, extra: Partial<{ revoked: boolean }> = {}) => ({ keyType: 'ssh-ed25519', keyBase64: base64, fingerprint: `SHA256:${base64}`, source: 'kh:1', ...extra });
  const cases: [string, ReturnType<typeof key>[], boolean, string][] = [
    ['a known key is trusted', [key('A')], false, 'trusted'],
    ['a different key is a mismatch, even with accept-new', [key('B')], true, 'mismatch'],
    ['an unknown host is refused by default', [], false, 'unknown'],
    ['an unknown host is pinned with accept-new', [], true, 'pin-new'],
    ['a revoked key is refused', [key('A', { revoked: true })], true, 'revoked'],
    ['a revoked other key does not make a mismatch', [key('B', { revoked: true })], false, 'unknown'],
  ];
  for (const [name, trusted, acceptNew, verdict] of cases) {
    test(name, () => assert.equal(judgeHostKey({ keyType: 'ssh-ed25519', keyBase64: 'A', fingerprint: 'SHA256:A' }, trusted, acceptNew).verdict, verdict));
  }
  test('a mismatch lists the expected keys with their sources', () => {
    const result = judgeHostKey({ keyType: 'ssh-ed25519', keyBase64: 'A', fingerprint: 'SHA256:A' }, [key('B')], false);
    assert.deepEqual(result, { verdict: 'mismatch', expected: [key('B')] });
  });
});

describe('connection settings', () => {
  const env = { home: '/home/op', localUser: 'op', agentSocket: '/run/agent.sock' };
  const configs: Record<string, SshConfigValues> = {
    'web-1': { HostName: 'web-1.dc1.example', User: 'deploy', Port: '2222', IdentityFile: ['~/.ssh/%r_key', '/keys/%h'], ProxyJump: 'bastion,admin@inner:2200' },
    bastion: { HostName: '198.18.0.2', User: 'jump', UserKnownHostsFile: '~/.ssh/bastion_known' },
    inner: { IdentitiesOnly: 'yes', IdentityFile: '/keys/inner' },
  };
  const lookup = (alias: string) => configs[alias] ?? {};

  test('ssh config fills what the inventory leaves open, with ~ and %tokens expanded', () => {
    const settings = resolveConnection({ hostname: 'web-1', address: 'web-1', port: null, user: null }, lookup, env);
    assert.equal(settings.host, 'web-1.dc1.example');
    assert.equal(settings.port, 2222);
    assert.equal(settings.user, 'deploy');
    assert.deepEqual(settings.identityFiles, ['/home/op/.ssh/deploy_key', '/keys/web-1.dc1.example']);
    assert.deepEqual(settings.knownHostsFiles, ['/home/op/.ssh/known_hosts', '/home/op/.ssh/known_hosts2']);
    assert.equal(settings.agentSocket, '/run/agent.sock');
  });

  test('the inventory overrides address, port and user', () => {
    const settings = resolveConnection({ hostname: 'web-1', address: '198.18.0.9', port: 22, user: 'root' }, lookup, env);
    assert.deepEqual([settings.host, settings.port, settings.user], ['198.18.0.9', 22, 'root']);
  });

  test('ProxyJump chains resolve each hop through the config, in order', () => {
    const { jumps } = resolveConnection({ hostname: 'web-1', address: 'web-1', port: null, user: null }, lookup, env);
    assert.deepEqual(
      jumps.map((jump) => [jump.alias, jump.host, jump.port, jump.user]),
      [
        ['bastion', '198.18.0.2', 22, 'jump'],
        ['inner', 'inner', 2200, 'admin'],
      ],
    );
    assert.deepEqual(jumps[0]!.knownHostsFiles, ['/home/op/.ssh/bastion_known']);
    assert.deepEqual(jumps[1]!.identityFiles, ['/keys/inner']);
  });

  test('defaults: local user, port 22, the standard identity files', () => {
    const settings = resolveConnection({ hostname: 'plain', address: 'plain', port: null, user: null }, lookup, env);
    assert.deepEqual([settings.host, settings.port, settings.user, settings.jumps.length], ['plain', 22, 'op', 0]);
    assert.deepEqual(settings.identityFiles, ['/home/op/.ssh/id_ed25519', '/home/op/.ssh/id_ecdsa', '/home/op/.ssh/id_rsa']);
  });

  const jumpSpecs: [string, ReturnType<typeof parseJumpSpec>][] = [
    ['bastion', { alias: 'bastion' }],
    ['ops@bastion:2200', { alias: 'bastion', user: 'ops', port: 2200 }],
    ['[fd00::1]:22', { alias: 'fd00::1', port: 22 }],
  ];
  for (const [spec, expected] of jumpSpecs) test(`ProxyJump spec ${spec}`, () => assert.deepEqual(parseJumpSpec(spec), expected));
});

describe('which ssh config decides for a host', () => {
  test("a lab host goes by its lab's recorded config alone, every other host by the user's; an explicit --ssh-config decides for all", () => {
    const dir = tempDir();
    const env = { home: dir, localUser: 'op', agentSocket: null };
    mkdirSync(path.join(dir, '.ssh'));
    const user = path.join(dir, '.ssh', 'config');
    const lab = path.join(dir, 'lab_config');
    writeFileSync(user, 'Host *\n  User alice\n  Port 2200\n  ProxyJump bastion\n');
    writeFileSync(lab, 'Host lab1-h001\n  HostName 198.18.0.2\nHost lab1-h*\n  User root\n');
    const values = (lookup: (alias: string) => SshConfigValues, alias: string) => {
      const { Host: _matched, ...rest } = lookup(alias) as SshConfigValues & { Host?: string };
      return rest;
    };
    const lookupFor = sshConfigLookups(
      undefined,
      env,
      new Map([
        ['lab1', lab],
        ['gone', path.join(dir, 'removed-by-hand')],
      ]),
    );
    assert.deepEqual(values(lookupFor({ lab: 'lab1' }), 'lab1-h001'), { HostName: '198.18.0.2', User: 'root' }, "the lab's config alone: no ProxyJump or port of the user's Host *");
    assert.deepEqual(values(lookupFor({}), 'lab1-h001'), { User: 'alice', Port: '2200', ProxyJump: 'bastion' }, "a host not labelled as the lab's is not the lab's");
    assert.deepEqual(values(lookupFor({ role: 'web' }), 'web-1'), { User: 'alice', Port: '2200', ProxyJump: 'bastion' });
    assert.deepEqual(values(lookupFor({ lab: 'gone' }), 'gone-h001'), { User: 'alice', Port: '2200', ProxyJump: 'bastion' }, 'a lab whose config file is gone is passed over');
    const explicit = sshConfigLookups(user, env, new Map([['lab1', lab]]));
    assert.deepEqual(values(explicit({ lab: 'lab1' }), 'lab1-h001'), { User: 'alice', Port: '2200', ProxyJump: 'bastion' }, '--ssh-config decides for every host, as ssh -F');
  });
});

describe('grouping results and capping output', () => {
  const result = (hostname: string, status: 'ok' | 'failed' | 'error', stdout = '', exitCode: number | null = 0) => ({
    hostname,
    status,
    exitCode,
    signal: null,
    stdout,
    stderr: '',
    error: status === 'error' ? { kind: 'unreachable' as const, message: 'ECONNREFUSED' } : null,
  });

  test('identical results group, largest first, failures first on a tie', () => {
    const groups = groupResults([result('c', 'ok', '5.15\n'), result('a', 'ok', '5.15'), result('b', 'failed', 'boom', 1), result('d', 'error', '', null), result('e', 'ok', '6.1')]);
    assert.deepEqual(
      groups.map((group) => [group.hostnames, group.status, group.output]),
      [
        [['a', 'c'], 'ok', '5.15'],
        [['d'], 'error', 'ECONNREFUSED'],
        [['b'], 'failed', 'boom'],
        [['e'], 'ok', '6.1'],
      ],
    );
  });

  test('the tail buffer keeps the last bytes and says it cut', () => {
    const buffer = new TailBuffer(10);
    buffer.push(Buffer.from('0123456789'));
    assert.equal(buffer.truncated, false);
    buffer.push(Buffer.from('abcdef'));
    assert.equal(buffer.text(), '6789abcdef');
    assert.equal(buffer.truncated, true);
  });
});

describe('lab layout', () => {
  test('hosts get consecutive addresses in their slot, zones round-robin, four hosts a rack per zone', () => {
    const layout = planLab('lab', 1, 13);
    assert.equal(layout.subnet, '198.18.16.0/20');
    assert.equal(layout.gateway, '198.18.16.1');
    assert.deepEqual(
      layout.hosts.slice(0, 4).map((host) => [host.hostname, host.address, host.zone, host.rack]),
      [
        ['lab-h001', '198.18.16.2', 'lab-a', 'lab-a-r01'],
        ['lab-h002', '198.18.16.3', 'lab-b', 'lab-b-r01'],
        ['lab-h003', '198.18.16.4', 'lab-c', 'lab-c-r01'],
        ['lab-h004', '198.18.16.5', 'lab-a', 'lab-a-r01'],
      ],
    );
    assert.equal(layout.hosts[12]!.rack, 'lab-a-r02');
    assert.ok(layout.hosts.every((host) => isLabAddress(host.address)));
  });

  test('the last slot stays inside 198.18.0.0/15, and names fit Linux interface limits', () => {
    const layout = planLab('lab', 31, 4000);
    assert.equal(layout.subnet, '198.19.240.0/20');
    assert.ok(isLabAddress(layout.hosts.at(-1)!.address));
    assert.ok(layout.hosts.every((host) => host.veth.length <= 15));
    assert.throws(() => planLab('lab', 32, 1), RangeError);
    assert.throws(() => planLab('lab', 0, 4001), RangeError);
  });
});

describe('fast lookups give the same answers as the slow ones', () => {
  test('narrowed ssh config lookups equal ssh-config compute()', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config');
    const text = [
      'User global',
      'Host web-* !web-9',
      '  Port 2201',
      '  IdentityFile ~/.ssh/web',
      'Host web-1',
      '  HostName 198.18.0.11',
      '  Port 2222',
      'Host db-? db-primary',
      '  User dba',
      'Host *',
      '  IdentityFile ~/.ssh/all',
      '  ServerAliveInterval 30',
      '',
    ].join('\n');
    writeFileSync(file, text);
    const lookup = loadSshConfig(file, { home: '/home/op', localUser: 'op', agentSocket: null });
    const reference = SSHConfig.parse(text);
    for (const alias of ['web-1', 'web-2', 'web-9', 'db-1', 'db-primary', 'other', 'web-']) {
      assert.deepEqual(lookup(alias), reference.compute(alias), alias);
    }
  });

  test('the known_hosts index finds exactly what a full scan finds', () => {
    const text = ['a,198.18.0.2 ssh-ed25519 AAAA1', '[a]:2222 ssh-ed25519 AAAA2', '*.dc1,!bad.dc1 ssh-ed25519 AAAA3', 'A ssh-rsa AAAA4', '@revoked b ssh-ed25519 AAAA5'].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    const index = new KnownHostsIndex(entries);
    for (const names of [['a'], ['198.18.0.2'], ['[a]:2222'], ['x.dc1'], ['bad.dc1'], ['b'], ['a', 'x.dc1'], ['nothing']]) {
      const scanned = entries
        .filter((entry) => entryMatches(entry, names))
        .map((entry) => entry.source)
        .sort();
      assert.deepEqual(
        index
          .lookup(names)
          .map((entry) => entry.source)
          .sort(),
        scanned,
        names.join(','),
      );
    }
  });
});
