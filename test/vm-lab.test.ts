import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guestPid } from '../src/adapters/lab/vm-guests.js';
import { planAclCommit } from '../src/cni/acl/encode.js';
import { AclRuleSetSchema, compileAcl } from '../src/cni/acl/rules.js';
import { runCliJsonAsync } from './support/cli.js';
import { CLI, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/**
 * VM lab hosts: QEMU guests (TCG) booting Debian's real 6.12 kernel, fetched and cached by
 * bin/vm-assets.sh. Nothing about their kernel is simulated: netkit pairs are really created.
 * Needs root (QEMU, the package cache), as CI has.
 */
const dir = tempDir('fleetwave-vm-lab-');
const db = path.join(dir, 'fleet.db');
const registry = path.join(dir, 'registry');
const env = { FLEETWAVE_DB: db, FLEETWAVE_LAB_REGISTRY: registry };
const cli = <T = unknown>(args: string[], extra: Record<string, string> = {}) => runCliJsonAsync<T>(args, { env: { ...env, ...extra } });

interface LabUp {
  kind: string;
  kernel: string;
  hosts: { hostname: string; address: string; port: number; labAddress: string }[];
  sshConfig: string;
}

const qemuPidFiles = (labDir: string, hostnames: string[]) => hostnames.map((hostname) => path.join(labDir, 'hosts', hostname, 'qemu.pid'));
/** A QEMU process still running (not gone, not a zombie waiting to be reaped). */
function qemuRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('qemu-system') && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Installs the node datapath on a guest as the CNI playbook does: plugin, helpers, BPF object, a conf for host-local on SUBNET. */
function installDatapath(built: string, hostname: string, subnet: string, sshConfig = currentSshConfig): void {
  const conf = path.join(dir, `10-fleetwave-${hostname}.conf`);
  writeFileSync(conf, JSON.stringify({ cniVersion: '1.1.0', name: 'fleetwave', type: 'fleetwave-cni', ipam: { type: 'host-local', ranges: [[{ subnet }]] } }));
  const scp = (files: string[], to: string) => execFileSync('scp', ['-q', '-F', sshConfig, ...files, `${hostname}:${to}`]);
  scp([path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-cni')], '/opt/cni/bin/');
  scp([path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-acl'), path.join(REPO_ROOT, 'bpf', 'cni', 'fleetwave-verify'), path.join(built, 'fleetwave-netkit-attach')], '/opt/fleetwave/bin/');
  scp([path.join(built, 'acl.bpf.o')], '/opt/fleetwave/');
  scp([conf], '/etc/cni/net.d/10-fleetwave.conf');
}
let currentSshConfig = '';

describe('a VM lab: real kernels in QEMU guests', { concurrency: false }, () => {
  const labDir = path.join(dir, 'lab');
  let up: LabUp;
  before(async () => {
    const started = await cli<LabUp>(['lab', 'up', '--vm', '--hosts', '2', '--name', 'vmlab', '--lab-dir', labDir]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    up = started.json.result;
    currentSshConfig = up.sshConfig;
  });
  after(async () => {
    await cli(['lab', 'down', '--lab-dir', labDir]);
  });

  test("lab up --vm boots two guests on Debian's 6.12 kernel, reachable over SSH on loopback ports", () => {
    assert.equal(up.kind, 'vm');
    assert.match(up.kernel, /^6\.12\.\d+\+deb12-amd64$/);
    assert.deepEqual(
      up.hosts.map((host) => [host.hostname, host.address]),
      [
        ['vmlab-h001', '127.0.0.1'],
        ['vmlab-h002', '127.0.0.1'],
      ],
    );
    for (const pidFile of qemuPidFiles(labDir, ['vmlab-h001', 'vmlab-h002'])) assert.notEqual(guestPid(pidFile), null, `${pidFile}: QEMU runs`);
  });

  test('fleet probe and kernel verify see the real kernel: netkit capable because a pair was really created', async () => {
    const probe = await cli<{ probed: { hostname: string; runningKernel: string; netkitCapable: boolean; netkitDetail: string; kernelSimulated: boolean }[] }>(['fleet', 'probe', 'lab=vmlab'], {
      FLEETWAVE_SSH_CONFIG: up.sshConfig,
    });
    assert.equal(probe.code, 0, probe.stdout);
    for (const host of probe.json.result.probed) {
      assert.deepEqual([host.runningKernel, host.netkitCapable, host.kernelSimulated], [up.kernel, true, false], host.hostname);
      assert.equal(host.netkitDetail, 'CONFIG_NETKIT is set and a netkit pair was created');
    }
    const verify = await cli<{ hosts: { hostname: string; ok: boolean; simulated: boolean; missing: string[] }[] }>(['kernel', 'verify', 'vmlab-h001', 'vmlab-h002'], {
      FLEETWAVE_SSH_CONFIG: up.sshConfig,
    });
    assert.equal(verify.code, 0, verify.stdout);
    assert.deepEqual(
      verify.json.result.hosts.map((host) => [host.ok, host.simulated, host.missing]),
      [
        [true, false, []],
        [true, false, []],
      ],
    );
  });

  test("the guests reach each other on the lab's private segment, and the netkit device is the real one", async () => {
    const [first, second] = up.hosts;
    const run = await cli<{ groups: { hosts: string[]; stdout: string }[]; ok: number }>(
      [
        'fleet',
        'exec',
        'lab=vmlab',
        '--',
        `ping -c 1 -W 3 ${second!.labAddress} >/dev/null && ping -c 1 -W 3 ${first!.labAddress} >/dev/null && echo reached; ip link add nk0 type netkit peer name nk1 && ip -d link show nk0 | grep -o 'netkit mode l3'; ip link del nk0`,
      ],
      { FLEETWAVE_SSH_CONFIG: up.sshConfig },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.json.result.ok, 2);
    assert.match(JSON.stringify(run.json.result), /reached\\nnetkit mode l3/);
  });

  test("real pods: a netkit pod (L3 pair, peer in the pod) and a veth pod on each guest reach each other, the hosts, and the other guest's pods", async () => {
    // Pod CIDR 10.244.N.0/24 per guest; .10 the netkit pod, .20 the veth pod (a link-local gateway on the host side, as Calico's is).
    const pods = up.hosts.map((host, index) => ({ host, cidr: `10.244.${index + 1}`, other: up.hosts[1 - index]! }));
    const setup = (cidr: string, peerCidr: string, peerLab: string) =>
      [
        'echo 1 > /proc/sys/net/ipv4/ip_forward',
        'ip netns add nkpod && ip link add nk0 type netkit mode l3 peer name nk1 && ip link set nk1 netns nkpod',
        `ip -n nkpod link set lo up && ip -n nkpod addr add ${cidr}.10/32 dev nk1 && ip -n nkpod link set nk1 up && ip -n nkpod route add default dev nk1`,
        `ip link set nk0 up && ip route add ${cidr}.10/32 dev nk0`,
        'ip netns add vpod && ip link add ve0 type veth peer name ve1 && ip link set ve1 netns vpod',
        `ip -n vpod link set lo up && ip -n vpod addr add ${cidr}.20/32 dev ve1 && ip -n vpod link set ve1 up && ip -n vpod route add 169.254.1.1 dev ve1 && ip -n vpod route add default via 169.254.1.1 dev ve1`,
        `ip link set ve0 up && ip addr add 169.254.1.1/32 dev ve0 && ip route add ${cidr}.20/32 dev ve0`,
        `ip route add ${peerCidr}.0/24 via ${peerLab}`,
      ].join(' && ');
    for (const pod of pods) {
      const peerCidr = pods.find((other) => other.host === pod.other)!.cidr;
      const ran = await cli<{ ok: number }>(['fleet', 'exec', `hostname=${pod.host.hostname}`, '--', setup(pod.cidr, peerCidr, pod.other.labAddress)], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
      assert.equal(ran.json.result.ok, 1, ran.stdout);
    }
    // Every source (the host itself, its netkit pod, its veth pod) to every pod and host on both guests.
    const targets = pods.flatMap((pod) => [`${pod.cidr}.10`, `${pod.cidr}.20`, pod.host.labAddress]);
    const matrix = `for from in host nkpod vpod; do for to in ${targets.join(' ')}; do
      if [ $from = host ]; then run=""; else run="ip netns exec $from"; fi
      if $run ping -c 1 -W 3 $to >/dev/null 2>&1; then echo "$from>$to ok"; else echo "$from>$to FAILED"; fi; done; done`;
    const run = await cli<{ results: { hostname: string; stdout: string }[] }>(['fleet', 'exec', 'lab=vmlab', '--', matrix], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    const cells = run.json.result.results.flatMap((result) =>
      result.stdout
        .trim()
        .split('\n')
        .map((line) => `${result.hostname}: ${line}`),
    );
    assert.equal(cells.length, 2 * 3 * targets.length, JSON.stringify(run.json.result));
    assert.deepEqual(
      cells.filter((cell) => !cell.endsWith(' ok')),
      [],
      'every cell of the veth/netkit matrix pings, on real kernels',
    );
  });

  test('a BPF program on the netkit peer (the pod side) drops a denied flow and nothing else; removing its link lets it through again', async () => {
    const built = execFileSync('sh', [path.join(REPO_ROOT, 'bpf', 'build.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    const [first, second] = up.hosts;
    execFileSync('scp', ['-q', '-F', up.sshConfig, path.join(built, 'acl.bpf.o'), path.join(built, 'fleetwave-netkit-attach'), `${first!.hostname}:/tmp/`]);
    const onFirst = async (command: string) => {
      const run = await cli<{ results: { stdout: string; stderr: string; exitCode: number }[] }>(['fleet', 'exec', `hostname=${first!.hostname}`, '--', command], {
        FLEETWAVE_SSH_CONFIG: up.sshConfig,
      });
      return run.json.result.results[0]!;
    };
    const reach = (pod: string, to: string) => `if ip netns exec ${pod} ping -c 1 -W 3 ${to} >/dev/null 2>&1; then echo "${pod}>${to} ok"; else echo "${pod}>${to} dropped"; fi`;
    // The other guest's netkit pod is denied to this guest's netkit pod; its veth pod is not.
    const denied = '10.244.2.10';
    // The rule set through fleetwave's own compiler and planner (what `cni acl apply` commits).
    const acl = compileAcl(AclRuleSetSchema.parse({ rules: [{ name: 'deny-peer-netkit-pod', action: 'deny', to: denied }] }));
    const plan = planAclCommit({ generation: 0, defaultDeny: false, entries: [] }, acl, 'test', '/sys/fs/bpf/fw');
    const loaded = await onFirst(
      [
        'mkdir -p /sys/fs/bpf/fw/acl/maps && bpftool prog load /tmp/acl.bpf.o /sys/fs/bpf/fw/acl/prog type tc pinmaps /sys/fs/bpf/fw/acl/maps',
        '/tmp/fleetwave-netkit-attach nk0 peer /sys/fs/bpf/fw/acl/prog /sys/fs/bpf/fw_acl_link',
        `bpftool batch file - <<'BATCH'\n${plan.batch.join('\n')}\nBATCH`,
      ].join(' && '),
    );
    assert.equal(loaded.exitCode, 0, loaded.stderr);
    assert.match(loaded.stdout, /attached \/sys\/fs\/bpf\/fw\/acl\/prog to the peer side of nk0/);
    const attached = await onFirst([reach('nkpod', denied), reach('nkpod', '10.244.2.20'), reach('nkpod', second!.labAddress), reach('vpod', denied)].join('; '));
    assert.deepEqual(attached.stdout.trim().split('\n'), [`nkpod>${denied} dropped`, 'nkpod>10.244.2.20 ok', `nkpod>${second!.labAddress} ok`, `vpod>${denied} ok`]);
    const detached = await onFirst(`rm /sys/fs/bpf/fw_acl_link && ${reach('nkpod', denied)}`);
    assert.equal(detached.stdout.trim(), `nkpod>${denied} ok`, 'unpinning the link detaches the program');
  });

  test('fleetwave-cni on real netkit: netkit pods through the plugin, the ACL on the peer via cni acl apply, fallback to veth when the program cannot attach', async () => {
    const built = execFileSync('sh', [path.join(REPO_ROOT, 'bpf', 'build.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    const [first, second] = up.hosts;
    const rules = path.join(dir, 'acl.yaml');
    writeFileSync(rules, 'defaultAction: allow\nrules:\n  - name: no-peer-netkit-pod\n    action: deny\n    to: 10.244.2.10\n');
    installDatapath(built, first!.hostname, '10.244.11.0/24');
    const exec = async (hostname: string, command: string) => {
      const run = await cli<{ results: { stdout: string; stderr: string; exitCode: number }[] }>(['fleet', 'exec', `hostname=${hostname}`, '--', command], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
      return run.json.result.results[0]!;
    };
    const add = (pod: string, env = '') =>
      `ip netns add ${pod} && ${env} CNI_COMMAND=ADD CNI_CONTAINERID=${pod} CNI_NETNS=/run/netns/${pod} CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin /opt/cni/bin/fleetwave-cni < /etc/cni/net.d/10-fleetwave.conf`;
    const reach = (pod: string, to: string) => `if ip netns exec ${pod} ping -c 1 -W 3 ${to} >/dev/null 2>&1; then echo "${pod}>${to} ok"; else echo "${pod}>${to} dropped"; fi`;
    assert.equal((await exec(second!.hostname, `ip route add 10.244.11.0/24 via ${first!.labAddress.split('/')[0]}`)).exitCode, 0);

    const loaded = await exec(first!.hostname, 'echo netkit > /etc/fleetwave/cni-mode && /opt/fleetwave/bin/fleetwave-acl load /opt/fleetwave/acl.bpf.o');
    assert.equal(loaded.exitCode, 0, loaded.stderr);
    const added = await exec(first!.hostname, `${add('cnipod1')} && echo && ip -d link show "$(jq -r .hostInterface /etc/fleetwave/pods/*)" | grep -o 'netkit mode l3'`);
    assert.equal(added.exitCode, 0, added.stdout + added.stderr);
    const result = JSON.parse(added.stdout.split('\n')[0]!);
    assert.match(result.interfaces[0].name, /^fwnk/, 'a netkit pair, on a kernel that has netkit');
    assert.match(result.ips[0].address, /^10\.244\.11\.\d+\/32$/);
    assert.equal(result.ips[0].gateway, undefined, 'an L3 netkit pod needs no gateway address');
    assert.equal(result.interfaces[1].mac, undefined, 'nor has it a hardware address');
    assert.match(added.stdout, /netkit mode l3/);

    const applied = await cli<{ hosts: { status: string; generation: number }[] }>(['cni', 'acl', 'apply', rules, `hostname=${first!.hostname}`], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(
      applied.json.result.hosts.map((host) => [host.status, host.generation]),
      [['applied', 1]],
    );
    const judged = await exec(first!.hostname, [reach('cnipod1', '10.244.2.10'), reach('cnipod1', '10.244.2.20'), reach('cnipod1', second!.labAddress.split('/')[0]!)].join('; '));
    assert.deepEqual(
      judged.stdout.trim().split('\n'),
      ['cnipod1>10.244.2.10 dropped', 'cnipod1>10.244.2.20 ok', `cnipod1>${second!.labAddress.split('/')[0]} ok`],
      'the program on the netkit peer drops exactly the denied flow',
    );

    // The attach helper is missing: netkit works but its program cannot attach, so the pod gets veth (with tcx) and the reason is logged.
    const fellBack = await exec(
      first!.hostname,
      `${add('cnipod2', 'FLEETWAVE_HELPERS=/nonexistent')} && echo && tail -n 1 /var/log/fleetwave/cni-fallback.log && ${reach('cnipod2', '10.244.2.10')}; ${reach('cnipod2', '10.244.2.20')}; ${reach('cnipod2', 'POD1')}`.replace(
        'POD1',
        result.ips[0].address.split('/')[0],
      ),
    );
    const [pod2Result, , logLine, ...cells] = fellBack.stdout.trim().split('\n');
    assert.match(JSON.parse(pod2Result!).interfaces[0].name, /^fwve/, 'fell back to veth');
    assert.match(JSON.parse(logLine!).reason, /^netkit program: .*fleetwave-netkit-attach/);
    assert.deepEqual(
      cells.map((cell) => cell.replace(/>.* /, ' ')),
      ['cnipod2 dropped', 'cnipod2 ok', 'cnipod2 ok'],
      'the veth fallback pod is held to the same ACL (tcx) and reaches the netkit pod',
    );

    const stats = await cli<{ hosts: { counters: { name: string; packets: number }[] }[] }>(['cni', 'acl', 'stats', `hostname=${first!.hostname}`], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.equal(stats.code, 0, stats.stdout);
    const denied = stats.json.result.hosts[0]!.counters.find((counter) => counter.name === 'no-peer-netkit-pod')!;
    assert.ok(denied.packets >= 2, `both pods' drops are counted: ${JSON.stringify(stats.json.result)}`);

    const deleted = await exec(
      first!.hostname,
      `for pod in cnipod1 cnipod2; do CNI_COMMAND=DEL CNI_CONTAINERID=$pod CNI_NETNS=/run/netns/$pod CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin /opt/cni/bin/fleetwave-cni < /etc/cni/net.d/10-fleetwave.conf || exit 1; ip netns del $pod; done; ip -o link show | grep -c 'fw[nv][ke]' || true; ls /etc/fleetwave/pods | wc -l`,
    );
    assert.deepEqual(deleted.stdout.trim().split('\n'), ['0', '0'], "DEL removed both pods' devices and records");
  });

  test('cni verify on two real-netkit nodes: every cell of the veth/netkit matrix is probed and passes, and the test pods are gone', async () => {
    const built = execFileSync('sh', [path.join(REPO_ROOT, 'bpf', 'build.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    const [first, second] = up.hosts;
    installDatapath(built, second!.hostname, '10.244.12.0/24');
    const routed = await cli<{ ok: number }>(['fleet', 'exec', `hostname=${first!.hostname}`, '--', `ip route add 10.244.12.0/24 via ${second!.labAddress}`], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.equal(routed.json.result.ok, 1);
    type Counter = { ruleId: number; probes: number; packets: number; status: string };
    const verify = await cli<{
      ok: number;
      failed: number;
      untestable: number;
      counters: { failed: number };
      nodes: { hostname: string; counters: Counter[]; cells: { id: string; status: string; detail: string }[] }[];
    }>(['cni', 'verify', 'lab=vmlab'], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.equal(verify.code, 0, verify.stdout);
    const notOk = verify.json.result.nodes.flatMap((node) => node.cells.filter((cell) => cell.status !== 'ok'));
    assert.deepEqual(notOk, [], 'on real netkit nothing is untestable and nothing fails');
    assert.deepEqual([verify.json.result.ok, verify.json.result.failed, verify.json.result.untestable], [28, 0, 0]);
    // The first node has the ACL loaded (its one rule matches no test pod): the program on each netkit peer and veth counted every probe under the default.
    const [counted] = verify.json.result.nodes[0]!.counters;
    assert.deepEqual([verify.json.result.nodes[0]!.counters.length, counted!.ruleId, counted!.probes, counted!.status], [1, 0, 14, 'ok'], JSON.stringify(verify.json.result.nodes[0]!.counters));
    assert.ok(counted!.packets >= 14);
    assert.deepEqual(verify.json.result.nodes[1]!.counters, [], 'no ACL loaded on the second node, no counter to check');
    assert.equal(verify.json.result.counters.failed, 0);
    assert.ok(
      verify.json.result.nodes[0]!.cells.some((cell) => cell.id === 'vmlab-h001:netkit>netkit@vmlab-h002:tcp'),
      'netkit to netkit across nodes, over TCP',
    );
    const left = await cli<{ results: { stdout: string }[] }>(['fleet', 'exec', 'lab=vmlab', '--', 'ip netns list | grep -c ^fwv- || true'], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.deepEqual(
      left.json.result.results.map((result) => result.stdout.trim()),
      ['0', '0'],
    );
  });

  test('debug dump fetches one archive per host: links, pods, bpftool views, pinned maps, kernel config; checked, audited, and gone from the host', async () => {
    const out = path.join(dir, 'dumps');
    const dumped = await cli<{ hosts: { hostname: string; path: string; sha256: string; bytes: number; error: string | null }[] }>(['debug', 'dump', 'vmlab-h001', '--out', out], {
      FLEETWAVE_SSH_CONFIG: up.sshConfig,
    });
    assert.equal(dumped.code, 0, dumped.stdout + dumped.stderr);
    const [host] = dumped.json.result.hosts;
    assert.equal(host!.error, null);
    assert.equal(execFileSync('sha256sum', [host!.path], { encoding: 'utf8' }).split(' ')[0], host!.sha256);
    const files = execFileSync('tar', ['-tzf', host!.path], { encoding: 'utf8' }).split('\n');
    for (const file of ['dump/links.txt', 'dump/bpf-links.txt', 'dump/kernel-config.txt', 'dump/maps/acl_rules.json', 'dump/pods/nkpod.txt', 'dump/cni-fallback.txt'])
      assert.ok(files.includes(file), `${file} in ${files.join(' ')}`);
    const read = (file: string) => execFileSync('tar', ['-xzOf', host!.path, file], { encoding: 'utf8' });
    assert.match(read('dump/kernel-config.txt'), /^CONFIG_NETKIT=y$/m);
    assert.match(read('dump/pods/nkpod.txt'), /netkit/, "the netkit pod's device, seen from inside its namespace");
    const rules = read('dump/maps/acl_rules.json');
    const ruleEntries = JSON.parse(rules.slice(rules.indexOf('\n') + 1, rules.lastIndexOf('[exit'))) as unknown[];
    assert.equal(ruleEntries.length, 1, 'the pinned rule map holds the one rule cni acl apply put in force');
    assert.match(read('dump/bpf-progs.txt'), /fleetwave_acl/, 'the ACL program, as bpftool lists it');
    const audit = await cli<{ events: { host: string; details: { sha256: string } }[] }>(['audit', 'log', '--action', 'host.debug-dumped']);
    assert.deepEqual(
      audit.json.result.events.map((event) => [event.host, event.details.sha256]),
      [['vmlab-h001', host!.sha256]],
    );
    const left = await cli<{ results: { stdout: string }[] }>(['fleet', 'exec', 'hostname=vmlab-h001', '--', 'ls -d /var/tmp/fleetwave-debug.* 2>/dev/null | wc -l'], {
      FLEETWAVE_SSH_CONFIG: up.sshConfig,
    });
    assert.equal(left.json.result.results[0]!.stdout.trim(), '0');
    const unknown = await cli(['debug', 'dump', 'no-such-host', '--out', out], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.deepEqual([unknown.code, (unknown.json as { error?: { code: string } }).error?.code], [4, 'HOST_NOT_FOUND']);
  });

  test('lab status shows the guests; lab fault is refused on a real kernel', async () => {
    const status = await cli<{ kind: string; kernel: string; hosts: { sshd: string }[] }>(['lab', 'status', '--lab-dir', labDir]);
    assert.deepEqual([status.json.result.kind, status.json.result.kernel, status.json.result.hosts.map((host) => host.sshd)], ['vm', up.kernel, ['up', 'up']]);
    const fault = await cli(['lab', 'fault', 'vmlab-h001', 'health-fails', '--lab-dir', labDir]);
    assert.deepEqual([fault.code, fault.json.error?.code], [2, 'USAGE']);
  });
});

describe('a VM lab on a real kernel without netkit', { concurrency: false }, () => {
  test("lab up --vm --kernel RELEASE boots Debian's 6.1; the probe finds no netkit, because the real kernel cannot make a pair", async () => {
    // Debian's current 6.1 release, whatever it is when the test runs.
    const release = /Depends: linux-image-(6\.1\.\S+-amd64)/.exec(execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' }))![1]!;
    const labDir = path.join(dir, 'old');
    const up = await cli<LabUp>(['lab', 'up', '--vm', '--kernel', release, '--hosts', '1', '--name', 'old', '--lab-dir', labDir]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    try {
      assert.equal(up.json.result.kernel, release);
      const probe = await cli<{ probed: { runningKernel: string; netkitCapable: boolean; netkitDetail: string; kernelSimulated: boolean }[] }>(['fleet', 'probe', 'lab=old'], {
        FLEETWAVE_SSH_CONFIG: up.json.result.sshConfig,
      });
      const [host] = probe.json.result.probed;
      assert.deepEqual([host!.runningKernel, host!.netkitCapable, host!.kernelSimulated], [release, false, false]);
      assert.equal(host!.netkitDetail, 'the running kernel is built without CONFIG_NETKIT');
    } finally {
      assert.equal((await cli(['lab', 'down', '--lab-dir', labDir])).code, 0);
    }
  });
});

describe('VM labs leave nothing behind', { concurrency: false }, () => {
  test('lab down stops every guest and removes what the lab made', async () => {
    const labDir = path.join(dir, 'short');
    const up = await cli<LabUp>(['lab', 'up', '--vm', '--hosts', '1', '--name', 'short', '--lab-dir', labDir]);
    assert.equal(up.code, 0, up.stdout);
    const pidFiles = qemuPidFiles(labDir, ['short-h001']);
    const pid = guestPid(pidFiles[0]!);
    assert.notEqual(pid, null);
    const down = await cli<{ processesKilled: number; hostsRemovedFromInventory: number }>(['lab', 'down', '--lab-dir', labDir]);
    assert.deepEqual([down.code, down.json.result.processesKilled, down.json.result.hostsRemovedFromInventory], [0, 1, 1]);
    assert.equal(qemuRunning(pid!), false, 'its QEMU is gone');
    assert.equal(existsSync(labDir), false);
  });

  test('after kill -9 of lab up while its guests boot, lab down stops the guests it had started', async () => {
    const labDir = path.join(dir, 'killed');
    const child = spawn(process.execPath, [CLI, 'lab', 'up', '--vm', '--hosts', '2', '--name', 'killed', '--lab-dir', labDir, '--json'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: 'ignore',
    });
    const ended = new Promise((resolve) => child.on('close', resolve));
    // Kill it once both guests are started (their pid files exist) but before they are ready.
    const pidFiles = qemuPidFiles(labDir, ['killed-h001', 'killed-h002']);
    while (!pidFiles.every((file) => guestPid(file) !== null)) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    await ended;
    const pids = pidFiles.map(guestPid);
    assert.ok(
      pids.every((pid) => pid !== null),
      'the guests outlive the killed command',
    );
    const status = await cli<{ status: string }>(['lab', 'status', '--lab-dir', labDir]);
    assert.equal(status.json.result.status, 'creating');
    const down = await cli<{ processesKilled: number }>(['lab', 'down', '--lab-dir', labDir]);
    assert.equal(down.code, 0, down.stdout);
    assert.equal(down.json.result.processesKilled, 2);
    assert.ok(
      pids.every((pid) => !qemuRunning(pid!)),
      'no QEMU of the killed lab runs',
    );
    assert.equal(existsSync(labDir), false);
  });
});
