import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { counterSlot, decodeRuleEntry, encodeRuleKey, encodeRuleValue, planAclCommit, type InstalledEntry } from '../src/cni/acl/encode.js';
import { generationBytes } from '../src/cni/acl/node-acl.js';
import { AclRuleSetSchema, compileAcl, judgePacket, parseIpv4Cidr } from '../src/cni/acl/rules.js';
import { loadDocument } from '../src/documents/load-document.js';

const ip = (text: string) => (parseIpv4Cidr(text) as { cidr: { address: number } }).cidr.address;
const toHex = (bytes: number[]) => bytes.map((byte) => `0x${byte.toString(16).padStart(2, '0')}`);

describe('ACL rules: parsing, compilation, the lookup oracle', () => {
  test('CIDRs: plain addresses are /32; host bits beyond the prefix are refused with the fix', () => {
    const cases: Array<[string, string]> = [
      ['10.0.0.0/8', '{"cidr":{"address":167772160,"prefixLength":8}}'],
      ['192.168.1.7', '{"cidr":{"address":3232235783,"prefixLength":32}}'],
      ['0.0.0.0/0', '{"cidr":{"address":0,"prefixLength":0}}'],
      ['10.0.0.1/8', '{"problem":"10.0.0.1/8 has bits set beyond its /8 prefix; did you mean 10.0.0.0/8?"}'],
      ['300.0.0.0/8', '{"problem":"300.0.0.0/8: each part of an IPv4 address is 0-255"}'],
      ['10.0.0.0/33', '{"problem":"10.0.0.0/33: the prefix length is 0-32"}'],
      ['fd00::/8', '{"problem":"\\"fd00::/8\\" is not an IPv4 address or CIDR such as 10.0.0.0/8"}'],
    ];
    for (const [text, expected] of cases) assert.equal(JSON.stringify(parseIpv4Cidr(text)), expected, text);
  });

  test('a rule file with mistakes: every problem with its line, duplicates named, nothing compiled', () => {
    const text = [
      'defaultAction: allow',
      'rules:',
      '  - name: web',
      '    action: deny',
      '    to: 10.1.0.0/16',
      '    protocol: tcp',
      '    port: 443',
      '  - name: web',
      '    action: deny',
      '    to: 10.1.0.0/16',
      '    protocol: tcp',
      '    port: 443',
      '  - action: allow',
      '    to: 10.2.0.1/16',
      '  - action: deny',
      '    to: 10.3.0.0/16',
      '    protocol: icmp',
      '    port: 7',
      '  - action: block',
      '    to: 10.4.0.0/16',
    ].join('\n');
    const problems = (document: string) => loadDocument('rules.yaml', document, AclRuleSetSchema).problems.map((problem) => `${problem.line}: ${problem.problem}`);
    assert.deepEqual(problems(text), [
      '14: 10.2.0.1/16 has bits set beyond its /16 prefix; did you mean 10.2.0.0/16?',
      '18: a port needs protocol tcp or udp',
      '19: Invalid option: expected one of "allow"|"deny"',
    ]);
    // Rules that clash are judged once each rule is valid on its own.
    assert.deepEqual(problems(text.split('\n').slice(0, 12).join('\n')), ['8: matches exactly what rule 1 matches (tcp to 10.1.0.0/16 port 443); keep one', "8: the name web is already rule 1's"]);
  });

  test('the most specific match wins: protocol and port, then protocol, then any; the longest prefix within each', () => {
    const acl = compileAcl(
      AclRuleSetSchema.parse({
        defaultAction: 'deny',
        rules: [
          { name: 'cluster', action: 'allow', to: '10.0.0.0/8' },
          { name: 'db-subnet', action: 'deny', to: '10.5.0.0/16' },
          { name: 'db-tcp', action: 'allow', to: '10.5.0.0/16', protocol: 'tcp' },
          { name: 'db-ssh', action: 'deny', to: '10.5.0.0/16', protocol: 'tcp', port: 22 },
          { name: 'one-host-ssh', action: 'allow', to: '10.5.9.9', protocol: 'tcp', port: 22 },
          { name: 'dns', action: 'allow', to: '0.0.0.0/0', protocol: 'udp', port: 53 },
        ],
      }),
    );
    const cases: Array<[string, number, number, { deny: boolean; ruleId: number }]> = [
      ['10.1.2.3', 1, 0, { deny: false, ruleId: 1 }],
      ['10.5.1.1', 1, 0, { deny: true, ruleId: 2 }],
      ['10.5.1.1', 6, 80, { deny: false, ruleId: 3 }],
      ['10.5.1.1', 6, 22, { deny: true, ruleId: 4 }],
      ['10.5.9.9', 6, 22, { deny: false, ruleId: 5 }],
      ['8.8.8.8', 17, 53, { deny: false, ruleId: 6 }],
      ['8.8.8.8', 17, 123, { deny: true, ruleId: 0 }],
      ['192.168.0.1', 6, 22, { deny: true, ruleId: 0 }],
    ];
    for (const [destination, protocol, port, expected] of cases) {
      assert.deepEqual(judgePacket(acl, { protocol, port, destination: ip(destination) }), expected, `${destination} ${protocol}/${port}`);
    }
  });

  test("map keys and values have the program's layout and decode back to the same entry", () => {
    const [entry] = compileAcl(AclRuleSetSchema.parse({ rules: [{ action: 'deny', to: '10.244.1.0/24', protocol: 'tcp', port: 8080 }] })).entries;
    const key = encodeRuleKey(entry!, 0x01020304);
    assert.deepEqual(key, [88, 0, 0, 0, 4, 3, 2, 1, 6, 0, 0x1f, 0x90, 10, 244, 1, 0]);
    assert.deepEqual(encodeRuleValue(entry!), [1, 0, 0, 0, 1, 0, 0, 0]);
    const decoded = decodeRuleEntry({ key: toHex(key), value: toHex(encodeRuleValue(entry!)) });
    assert.deepEqual(decoded, { prefixLength: 24, generation: 0x01020304, protocol: 6, port: 8080, address: ip('10.244.1.0'), deny: true, ruleId: 1, keyBytes: key });
    assert.throws(() => decodeRuleEntry({ key: ['0x00'], value: [] }), /another program's map/);
    assert.deepEqual([counterSlot(2, 0), counterSlot(3, 5)], [0, 4096 + 5]);
    assert.equal(generationBytes(258), '0x02,0x01,0x00,0x00');
  });

  test('a commit clears what is not in force, writes the next generation, zeroes its counters, flips, then deletes the old set', () => {
    const acl = compileAcl(AclRuleSetSchema.parse({ defaultAction: 'deny', rules: [{ name: 'a', action: 'allow', to: '10.0.0.0/8' }] }));
    const installed = (generation: number, cidr: string): InstalledEntry => {
      const entry = { protocol: 0, port: 0, address: ip(cidr.split('/')[0]!), prefixLength: Number(cidr.split('/')[1]) };
      return { ...entry, generation, deny: false, ruleId: 1, keyBytes: encodeRuleKey(entry, generation) };
    };
    const plan = planAclCommit({ generation: 4, defaultDeny: false, entries: [installed(4, '10.9.0.0/16'), installed(5, '10.8.0.0/16')] }, acl, 'sum', '/b');
    assert.equal(plan.expectedGeneration, 4);
    assert.equal(plan.newGeneration, 5);
    assert.deepEqual(
      plan.batch.map((line) => line.replace(/ key hex .*/, '') + (line.includes('acl_config') ? line.slice(line.indexOf(' value')) : '')),
      [
        'map delete pinned /b/acl/maps/acl_rules',
        'map update pinned /b/acl/maps/acl_rules',
        'map update pinned /b/acl/maps/acl_counters',
        'map update pinned /b/acl/maps/acl_counters',
        'map update pinned /b/acl/maps/acl_config value hex 05 00 00 00 01 00 00 00',
        'map delete pinned /b/acl/maps/acl_rules',
      ],
    );
    assert.ok(plan.batch[0]!.includes('0a 08 00 00'), 'the leftover of generation 5 goes first');
    assert.ok(plan.batch.at(-1)!.includes('0a 09 00 00'), 'the old set goes last, after the flip');
    assert.deepEqual(plan.applied.rules, [{ ruleId: 1, name: 'a', action: 'allow', match: 'to 10.0.0.0/8' }]);
    assert.equal(planAclCommit({ generation: 0xffffffff, defaultDeny: false, entries: [] }, acl, 's', '/b').newGeneration, 0, 'the generation wraps');
  });
});
