import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelFromGrubEntry, parseProbeOutput, ProbeParseError } from '../src/probe/probe-facts.js';

const lines = (...parts: string[]) => `${parts.join('\n')}\nprobe=done\n`;

describe('probe output', () => {
  test("a 5.15 host without netkit (as this machine's probe prints it)", () => {
    const facts = parseProbeOutput(
      lines(
        'kernel=5.15.0-91-generic',
        'boot_id=183523ff-c5a5-4eac-8642-bc060e606bcb',
        'uptime=3766.69',
        'grub_saved=Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-91-generic',
        'installed=5.15.0-91-generic',
        'installed=5.15.0-200-netkit',
        'installed=5.15.0-88-generic',
        'config_CONFIG_NETKIT=n',
        'config_CONFIG_NET_XGRESS=n',
        'config_CONFIG_BPF_SYSCALL=y',
        'netkit_create=failed: Garbage instead of arguments "peer ...". Try "ip link help".',
        'links_veth=12',
        'links_netkit=0',
      ),
    );
    assert.equal(facts.runningKernel, '5.15.0-91-generic');
    assert.equal(facts.defaultKernel, '5.15.0-91-generic');
    assert.equal(facts.nextBootKernel, null);
    assert.deepEqual(facts.installedKernels, ['5.15.0-88-generic', '5.15.0-91-generic', '5.15.0-200-netkit']);
    assert.equal(facts.uptimeSeconds, 3766.69);
    assert.equal(facts.netkitCapable, false);
    assert.equal(facts.netkitDetail, 'the running kernel is built without CONFIG_NETKIT');
    assert.equal(facts.cniMode, 'veth');
  });

  test('netkit-capable only when configured AND a pair was created', () => {
    const base = ['kernel=6.12.57+deb12-amd64', 'config_CONFIG_NETKIT=y', 'config_CONFIG_NET_XGRESS=y'];
    assert.equal(parseProbeOutput(lines(...base, 'netkit_create=ok')).netkitCapable, true);
    const refused = parseProbeOutput(lines(...base, 'netkit_create=failed: Operation not permitted'));
    assert.equal(refused.netkitCapable, false);
    assert.match(refused.netkitDetail, /CONFIG_NETKIT is set but creating a netkit pair failed \(Operation not permitted\)/);
  });

  test('an unreadable config is said plainly', () => {
    const facts = parseProbeOutput(lines('kernel=5.15.0-1', 'config_CONFIG_NETKIT=unknown', 'netkit_create=failed: x'));
    assert.equal(facts.netkitCapable, false);
    assert.match(facts.netkitDetail, /unreadable/);
  });

  test('a pending one-shot boot and no saved entry: default is the newest installed kernel', () => {
    const facts = parseProbeOutput(lines('kernel=5.15.0-91-generic', 'grub_next=gnulinux-5.15.0-200-netkit-advanced-0b1c', 'installed=5.15.0-91-generic', 'installed=5.15.0-200-netkit'));
    assert.equal(facts.nextBootKernel, '5.15.0-200-netkit');
    assert.equal(facts.defaultKernel, '5.15.0-200-netkit');
  });

  test('the CNI marker file wins over link counting; netkit links mean netkit', () => {
    assert.equal(parseProbeOutput(lines('kernel=6.12.1', 'cni_marker=netkit', 'links_veth=30', 'links_netkit=0')).cniMode, 'netkit');
    assert.equal(parseProbeOutput(lines('kernel=6.12.1', 'links_veth=30', 'links_netkit=2')).cniMode, 'netkit');
    assert.equal(parseProbeOutput(lines('kernel=6.12.1', 'links_veth=0', 'links_netkit=0')).cniMode, null);
  });

  test('pods fleetwave-cni made are counted by device; a node with both kinds is shown as mixed', async () => {
    const { podsLabel } = await import('../src/cli/views/probe.js');
    const cases: Array<[string[], { veth: number; netkit: number } | null, string | null]> = [
      [[], null, null],
      [['pods_veth=0', 'pods_netkit=0'], { veth: 0, netkit: 0 }, null],
      [['pods_veth=4', 'pods_netkit=0'], { veth: 4, netkit: 0 }, '4 veth'],
      [['pods_veth=0', 'pods_netkit=2'], { veth: 0, netkit: 2 }, '2 netkit'],
      [['pods_veth=3', 'pods_netkit=2'], { veth: 3, netkit: 2 }, 'mixed (3 veth, 2 netkit)'],
    ];
    for (const [extra, pods, label] of cases) {
      const facts = parseProbeOutput(lines('kernel=6.12.1', 'cni_marker=netkit', ...extra));
      assert.deepEqual(facts.pods, pods, extra.join(' '));
      assert.equal(podsLabel(facts.pods), label);
    }
  });

  test('output cut short is an error, not a half-read host', () => {
    assert.throws(() => parseProbeOutput('kernel=5.15.0-91-generic\nboot_id=x\n'), ProbeParseError);
  });

  const entries: [string, string | null][] = [
    ['Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-13-amd64', '6.1.0-13-amd64'],
    ['gnulinux-advanced-4f1e>gnulinux-6.12.57+deb12-amd64-advanced-4f1e', '6.12.57+deb12-amd64'],
    ['Ubuntu, with Linux 5.15.0-91-generic (recovery mode)', '5.15.0-91-generic'],
    ['5.15.0-200-netkit', '5.15.0-200-netkit'],
    ['0', null],
  ];
  for (const [entry, kernel] of entries) test(`grub entry ${JSON.stringify(entry)}`, () => assert.equal(kernelFromGrubEntry(entry), kernel));
});
