import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { InventoryHost } from '../src/fleet/host.js';
import { parseInventory } from '../src/inventory/parse-inventory.js';
import { INVENTORIES, REPO_ROOT } from './support/paths.js';

function parseFixture(name: string, options: Parameters<typeof parseInventory>[2] = {}) {
  return parseInventory(name, readFileSync(`${INVENTORIES}${name}`, 'utf8'), options);
}

function byName(hosts: InventoryHost[]): Map<string, InventoryHost> {
  return new Map(hosts.map((host) => [host.hostname, host]));
}

describe('CSV inventories', () => {
  test('reads fields, the labels cell and label.KEY columns, leaving empty cells unset', () => {
    const result = parseFixture('hosts.csv');
    assert.equal(result.format, 'csv');
    assert.deepEqual(result.problems, []);
    const hosts = byName(result.hosts);
    assert.deepEqual(hosts.get('web-01'), {
      hostname: 'web-01',
      address: '127.1.0.1',
      port: 22,
      user: 'root',
      cluster: 'prod',
      zone: 'a',
      rack: 'r1',
      labels: { role: 'web', tier: 'front', owner: 'alice' },
    });
    assert.equal(hosts.get('web-02')!.port, undefined);
    assert.equal(hosts.get('web-02')!.user, undefined);
    assert.deepEqual(hosts.get('db-01')!.labels, { role: 'db', note: 'has,comma', owner: 'bob' });
  });

  test('collects every bad row with its line, and duplicate hostnames with the first line', () => {
    const result = parseFixture('bad-rows.csv');
    assert.deepEqual(
      result.problems.map((problem) => [problem.line, problem.field]),
      [
        [3, 'hostname'],
        [4, 'port'],
        [5, 'hostname'],
      ],
    );
    assert.match(result.problems[2]!.problem, /listed twice \(first at line 2\)/);
  });

  test('rejects unknown columns instead of storing typos as labels', () => {
    const result = parseInventory('x.csv', 'hostname,adress\nh1,127.0.0.1\n');
    assert.equal(result.problems.length, 1);
    assert.deepEqual([result.problems[0]!.line, result.problems[0]!.field], [1, 'adress']);
    assert.match(result.problems[0]!.problem, /unknown column/);
  });

  test('reports broken quoting with a line number', () => {
    const result = parseInventory('x.csv', 'hostname,zone\nh1,a\nh2,"b\n');
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]!.problem, /invalid CSV/);
    assert.ok(result.problems[0]!.line >= 3);
  });

  test('requires a hostname column', () => {
    const result = parseInventory('x.csv', 'address,zone\n127.0.0.1,a\n');
    assert.match(result.problems[0]!.problem, /no hostname column/);
  });
});

describe('fleetwave JSON and YAML inventories', () => {
  test('JSON: reads hosts, IPv6 addresses, numeric racks become text', () => {
    const result = parseFixture('hosts.json');
    assert.equal(result.format, 'json');
    assert.deepEqual(result.problems, []);
    const hosts = byName(result.hosts);
    assert.equal(hosts.get('j-02')!.address, '::1');
    assert.equal(hosts.get('j-02')!.port, 2022);
    assert.equal(hosts.get('j-02')!.rack, '7');
  });

  test('YAML: the shipped sample fleet is valid', () => {
    const text = readFileSync(`${REPO_ROOT}playbooks/inventory/sample-fleet.yaml`, 'utf8');
    const result = parseInventory('sample-fleet.yaml', text);
    assert.equal(result.format, 'yaml');
    assert.deepEqual(result.problems, []);
    assert.equal(result.hosts.length, 20);
  });

  test('YAML scalars that look like dates or numbers stay text (YAML 1.2 core schema)', () => {
    const result = parseInventory('x.yaml', 'hosts:\n  - hostname: a\n    rack: 012\n    labels: { built: 2026-11-23, weight: 1.50 }\n');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.hosts[0]!.labels, { built: '2026-11-23', weight: '1.5' });
    // YAML itself reads an unquoted 012 as the number 12: the README tells users to quote such values.
    assert.equal(result.hosts[0]!.rack, '12');
  });

  test('YAML syntax errors name the line', () => {
    const result = parseFixture('bad-syntax.yaml');
    assert.ok(result.problems.length >= 1);
    assert.equal(result.hosts.length, 0);
    assert.ok(
      result.problems.every((problem) => problem.line >= 5),
      JSON.stringify(result.problems),
    );
    assert.match(result.problems[0]!.problem, /invalid YAML/);
  });

  test('field problems point at the line of the field, or of the host when the field is missing', () => {
    const result = parseFixture('bad-fields.yaml');
    const found = result.problems.map((problem) => [problem.line, problem.field]);
    assert.deepEqual(found, [
      [4, 'adress'],
      [5, 'hostname'],
      [8, 'labels.bad key!'],
    ]);
  });

  test('JSON syntax errors name the line', () => {
    const result = parseInventory('x.json', '{\n  "hosts": [\n    { "hostname": "a", }\n  ]\n}\n');
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]!.line, 3);
  });

  test('JSON validation errors are located lazily with the right line', () => {
    const result = parseInventory('x.json', '{\n  "hosts": [\n    { "hostname": "a" },\n    { "hostname": "b",\n      "port": "http" }\n  ]\n}\n');
    assert.deepEqual(
      result.problems.map((problem) => [problem.line, problem.field]),
      [[5, 'port']],
    );
  });

  test('JSON duplicate hostnames name both lines', () => {
    const result = parseInventory('x.json', '[\n  {"hostname": "a"},\n  {"hostname": "b"},\n  {"hostname": "a"}\n]\n');
    assert.deepEqual(result.problems, [{ line: 4, field: 'hostname', problem: 'a is listed twice (first at line 2)' }]);
  });

  test('a top level that is neither a list nor a hosts mapping is rejected', () => {
    const result = parseInventory('x.yaml', 'servers:\n  - hostname: a\n', { format: 'yaml' });
    assert.ok(result.problems.length > 0);
  });
});

describe('Ansible inventories', () => {
  test('INI: ranges, host:port, groups as labels, children, and vars precedence', () => {
    const result = parseFixture('hosts.ini');
    assert.equal(result.format, 'ansible-ini');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, []);
    const hosts = byName(result.hosts);
    assert.deepEqual([...hosts.keys()].sort(), ['db-a.example.net', 'edge-00.example.net', 'web-01.example.net', 'web-02.example.net', 'web-03.example.net', 'web-10.example.net']);
    // web is a child of prod: its vars (rack=r2) beat prod's (rack=r1); host vars beat both.
    assert.deepEqual(hosts.get('web-02.example.net'), {
      hostname: 'web-02.example.net',
      user: 'root',
      cluster: 'prod',
      zone: 'a',
      rack: 'r2',
      labels: { 'group.web': 'true', 'group.prod': 'true' },
    });
    const web10 = hosts.get('web-10.example.net')!;
    assert.equal(web10.port, 2201);
    assert.equal(web10.user, 'deploy');
    assert.equal(web10.rack, 'r9');
    const db = hosts.get('db-a.example.net')!;
    assert.equal(db.address, '127.2.0.9');
    assert.equal(db.rack, 'r1');
    assert.equal(db.labels!.owner, 'data team');
    assert.deepEqual(hosts.get('edge-00.example.net'), { hostname: 'edge-00.example.net', address: '127.2.0.1', labels: {} });
  });

  test('INI: problems carry their lines', () => {
    const result = parseFixture('bad.ini');
    assert.deepEqual(
      result.problems.map((problem) => problem.line),
      [2, 3, 5],
    );
    assert.equal(result.problems[0]!.field, 'port');
    assert.match(result.problems[1]!.problem, /key=value/);
    assert.match(result.problems[2]!.problem, /section header/);
  });

  test('INI: a children cycle is reported', () => {
    const result = parseInventory('x.ini', '[a]\nh1\n[a:children]\nb\n[b:children]\na\n');
    assert.ok(
      result.problems.some((problem) => /cycle/.test(problem.problem)),
      JSON.stringify(result.problems),
    );
  });

  test('YAML: nested children, inherited vars, ranges, non-scalar vars skipped with a warning', () => {
    const result = parseFixture('hosts-ansible.yaml');
    assert.equal(result.format, 'ansible-yaml');
    assert.deepEqual(result.problems, []);
    const hosts = byName(result.hosts);
    assert.deepEqual([...hosts.keys()].sort(), ['bastion', 'db-1', 'db-2', 'web-1', 'web-2', 'web-3']);
    assert.deepEqual(hosts.get('web-1'), { hostname: 'web-1', port: 2222, cluster: 'lab', zone: 'a', labels: { 'group.web': 'true' } });
    assert.equal(hosts.get('web-3')!.zone, 'b');
    assert.equal(hosts.get('db-1')!.rack, '7');
    assert.deepEqual(hosts.get('db-2')!.labels, { 'group.db_replicas': 'true', 'group.db': 'true' });
    assert.equal(hosts.get('bastion')!.address, '127.3.0.1');
    assert.deepEqual(result.warnings, ['not stored as labels (lists and mappings cannot be selected on): ntp_servers']);
  });
});

describe('kubectl get nodes -o json', () => {
  test('maps names, preferred addresses, topology labels and kernel versions', () => {
    const result = parseFixture('nodes.json', { defaultCluster: 'k8s-prod' });
    assert.equal(result.format, 'kubectl');
    assert.deepEqual(result.problems, []);
    const hosts = byName(result.hosts);
    const first = hosts.get('k8s-node-1')!;
    assert.equal(first.address, '127.5.0.1');
    assert.equal(first.zone, 'eu-west-1a');
    assert.equal(first.rack, 'rack-12');
    assert.equal(first.cluster, 'k8s-prod');
    assert.equal(first.kernel, '5.15.0-91-generic');
    assert.equal(first.labels!['node-role.kubernetes.io/worker'], '');
    const second = hosts.get('k8s-node-2')!;
    assert.equal(second.address, '127.5.0.2');
    assert.equal(second.zone, 'eu-west-1b');
  });

  test('forcing --format kubectl on a non-kubectl file is an error, not a silent empty import', () => {
    const result = parseFixture('hosts.json', { format: 'kubectl' });
    assert.equal(result.hosts.length, 0);
    assert.match(result.problems[0]!.problem, /kubectl get nodes/);
  });
});

describe('format detection without a telling extension', () => {
  const cases: [string, string, string][] = [
    ['CSV by its header', 'hostname,zone\nh1,a\n', 'csv'],
    ['JSON object', '{"hosts":[{"hostname":"h1"}]}', 'json'],
    ['JSON list', '[{"hostname":"h1"}]', 'json'],
    ['INI starting with a group', '[web]\nh1\n', 'ansible-ini'],
    ['bare INI host list', 'h1\nh2 ansible_port=2222\n', 'ansible-ini'],
    ['Ansible YAML', 'all:\n  hosts:\n    h1:\n', 'ansible-yaml'],
    ['fleetwave YAML', 'hosts:\n  - hostname: h1\n', 'yaml'],
  ];
  for (const [name, text, format] of cases) {
    test(name, () => {
      const result = parseInventory('inventory', text);
      assert.equal(result.format, format);
      assert.deepEqual(result.problems, []);
      assert.ok(result.hosts.length >= 1);
    });
  }
});
