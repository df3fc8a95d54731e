import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { judgeGates, judgeHttpAnswer, judgePrometheusAnswer } from '../src/rollout/gates.js';
import { loadDocument } from '../src/documents/load-document.js';
import { PlaybookSchema, stepAction } from '../src/rollout/playbook.js';
import { checkPlaybookReferences } from '../src/rollout/playbook-references.js';
import { commandTemplateProblems, placeholders, renderCommand, renderPath, shellQuote, TemplateError, type TemplateScope } from '../src/rollout/template.js';
import { resolveUploadSource } from '../src/services/artifacts.js';
import { tempDir } from './support/temp.js';
import { REPO_ROOT } from './support/paths.js';

const scope: TemplateScope = {
  target: '5.15.0-200-netkit',
  rollout: 'k200',
  host: { hostname: 'web-1', address: '10.0.0.1', cluster: 'prod', zone: null, rack: 'r1' },
  vars: { package: '/srv/kernels/linux image.deb', evil: "x'; rm -rf / #" },
  registered: { previous_kernel: '5.15.0-91-generic' },
};

const sh = (command: string) => execFileSync('sh', ['-c', command], { encoding: 'utf8' });
const bash = (command: string) => execFileSync('bash', ['-c', command], { encoding: 'utf8' });
/** The rendered command without its leading `export FLEETWAVE_...` line. */
const body = (rendered: string) => rendered.slice(rendered.indexOf('\n') + 1);
const hostile = 'x\'; touch /tmp/fleetwave-pwned; echo "$(id)" `id` \\\n#';

describe('templates: every value is one shell word', () => {
  test('plain values stay readable; anything else is single-quoted', () => {
    assert.equal(body(renderCommand('grub-reboot {{ target }}', scope)), 'grub-reboot 5.15.0-200-netkit');
    assert.equal(body(renderCommand('dpkg -i {{ vars.package }}', scope)), "dpkg -i '/srv/kernels/linux image.deb'");
    assert.equal(shellQuote(''), "''");
  });

  test('a hostile value is data, not syntax, in every position a placeholder may take: sh and bash print it back verbatim', () => {
    const evil = { ...scope, host: { ...scope.host, rack: hostile } };
    const cases: [string, string][] = [
      ['printf %s {{ host.rack }}', hostile],
      ['printf %s /boot/vmlinuz-{{ host.rack }}', `/boot/vmlinuz-${hostile}`],
      ['printf %s "rack "{{ host.rack }}', `rack ${hostile}`],
      ['printf %s "$(printf %s {{ host.rack }})"', hostile],
      ['x=$(printf %s {{ host.rack }}); printf %s "$x"', hostile],
      // A nested script reads the value from the environment, never from the template.
      [`sh -c 'printf %s "$FLEETWAVE_HOST_RACK"'`, hostile],
    ];
    for (const [template, expected] of cases) {
      assert.equal(sh(renderCommand(template, evil)), expected, template);
      assert.equal(bash(renderCommand(template, evil)), expected, `${template} (bash)`);
    }
    assert.equal(bash(renderCommand('cat <<< {{ host.rack }}', evil)), `${hostile}\n`, 'a bash here-string');
    assert.equal(existsSync('/tmp/fleetwave-pwned'), false);
  });

  test('a placeholder the shell would not read as one word is refused, naming where it stands', () => {
    const cases: [string, RegExp][] = [
      [`sh -c 'echo {{ host.rack }}'`, /inside single quotes/],
      ['echo "{{ host.rack }}"', /inside double quotes/],
      ['echo "rack: {{ host.rack }} ok"', /inside double quotes/],
      ['echo `echo {{ host.rack }}`', /inside `backquotes`/],
      ['cat <<EOF\nrack {{ host.rack }}\nEOF', /in a heredoc/],
      ["cat <<'EOF'\n{{ host.rack }}\nEOF", /in a heredoc/],
      ['cat <<{{ host.rack }}\nx\n', /in a heredoc/],
      ['true # {{ host.rack }}', /in a # comment/],
      ['echo ${x:-{{ host.rack }}}', /inside \$\{\.\.\.\}/],
      ['echo $(( {{ host.rack }} + 1 ))', /inside \$\(\(\.\.\.\)\)/],
      ['echo \\{{ host.rack }}', /right after a backslash/],
      ['echo ${{ host.rack }}', /right after a \$/],
      ["echo $'{{ host.rack }}'", /inside single quotes/],
    ];
    for (const [template, why] of cases) {
      const problems = commandTemplateProblems(template);
      assert.equal(problems.length, 1, template);
      assert.match(problems[0]!, why, template);
      assert.match(problems[0]!, /FLEETWAVE_HOST_RACK/);
      assert.throws(() => renderCommand(template, scope), TemplateError, template);
    }
    for (const template of [
      'echo {{ host.rack }}',
      'echo "rack "{{ host.rack }}" ok"',
      "echo 'a'{{ host.rack }}'b'",
      'test "$(uname -r)" = {{ target }}',
      'echo "$(echo {{ host.rack }})"',
      'echo $( (echo {{ host.rack }}) )',
      'diff <(echo {{ host.rack }}) /dev/null',
      'echo $# {{ host.rack }}',
      'cat <<EOF\nstatic\nEOF\necho {{ host.rack }}',
      'grep -q x#y {{ host.rack }}',
      "echo {{ '{{' }}.State.Pid}}",
    ]) {
      assert.deepEqual(commandTemplateProblems(template), [], template);
    }
  });

  test("malformed placeholders are errors, not text; {{ '{{' }} is a literal", () => {
    for (const template of ['echo {{ host.rack }', 'echo {{host-rack}}', 'echo {{ }}', 'echo {{ vars. }}', 'echo {{ a b }}', 'echo {{ {{ target }}']) {
      assert.throws(() => placeholders(template), TemplateError, template);
    }
    assert.equal(body(renderCommand("docker inspect -f {{ '{{' }}.State.Pid{{ '}}' }} x", scope)), 'docker inspect -f {{.State.Pid}} x');
    assert.deepEqual(placeholders('a {{target}} b {{ host.hostname }}'), ['target', 'host.hostname']);
  });

  test('every value in scope is exported as FLEETWAVE_* for nested scripts', () => {
    const rendered = renderCommand('true', scope);
    assert.equal(rendered.split('\n').length, 2);
    const seen = sh(`${rendered}; env | grep ^FLEETWAVE_ | sort`);
    assert.match(seen, /^FLEETWAVE_HOST_RACK=r1$/m);
    assert.match(seen, /^FLEETWAVE_REGISTERED_previous_kernel=5.15.0-91-generic$/m);
    assert.match(seen, /^FLEETWAVE_VAR_package=\/srv\/kernels\/linux image.deb$/m);
    assert.match(seen, /^FLEETWAVE_TARGET=5.15.0-200-netkit$/m);
  });

  test('unknown names are errors; unregistered values are told apart', () => {
    assert.throws(() => renderCommand('{{ vars.nope }}', scope), /vars.nope .*not defined/);
    assert.throws(
      () => renderCommand('{{ registered.nope }}', scope),
      (error: TemplateError) => /never registered on this host/.test(error.message) && error.kind === 'unregistered',
    );
    assert.throws(
      () => renderCommand('{{ vars.nope }}', scope),
      (error: TemplateError) => error.kind === 'invalid',
    );
    assert.throws(() => renderCommand('{{ hostname }}', scope), /not a known placeholder/);
    assert.equal(body(renderCommand('echo {{ host.zone }}', scope)), "echo ''");
  });
});

describe('templates: paths built from inventory or host values stay where their literal part says', () => {
  const local = (base: string) => (text: string) => path.resolve(base, text);
  const withRack = (rack: string): TemplateScope => ({ ...scope, host: { ...scope.host, rack }, registered: { out: rack } });

  test('a value may pick a file inside the directory, never leave it', () => {
    assert.equal(renderPath('packages/{{ host.rack }}.deb', withRack('r1'), local('/srv/spec')).path, '/srv/spec/packages/r1.deb');
    assert.equal(renderPath('packages/{{ host.rack }}/k.deb', withRack('eu/r1'), local('/srv/spec')).path, '/srv/spec/packages/eu/r1/k.deb');
    for (const rack of ['../../../etc/shadow', '/etc/shadow', '..', 'a/../../b']) {
      assert.throws(() => renderPath('packages/{{ host.rack }}', withRack(rack), local('/srv/spec')), TemplateError, rack);
      assert.throws(() => renderPath('/var/tmp/{{ registered.out }}.deb', withRack(rack), (text) => path.posix.normalize(text)), TemplateError, rack);
    }
    assert.throws(() => renderPath('x{{ host.rack }}', withRack('\n'), local('/srv')), /line break/);
    // The literal part after the value cannot climb out either.
    assert.throws(() => renderPath('packages/{{ host.rack }}/../../etc/shadow', withRack('r1'), local('/srv/spec')), /outside \/srv\/spec\/packages/);
  });

  test("the spec author's own values are theirs: vars and target may be absolute", () => {
    assert.equal(renderPath('{{ vars.package }}', scope, local('/srv/spec')).path, '/srv/kernels/linux image.deb');
    assert.equal(renderPath('../kernels/{{ target }}.deb', scope, local('/srv/spec')).path, '/srv/kernels/5.15.0-200-netkit.deb');
  });

  test('a symbolic link inside the directory cannot lead out of it', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'packages'));
    writeFileSync(path.join(dir, 'packages', 'r1.deb'), 'ok');
    symlinkSync('/etc/hostname', path.join(dir, 'packages', 'r2.deb'));
    assert.equal(resolveUploadSource(dir, 'packages/{{ host.rack }}.deb', withRack('r1')), path.join(dir, 'packages', 'r1.deb'));
    assert.throws(() => resolveUploadSource(dir, 'packages/{{ host.rack }}.deb', withRack('r2')), /a link to \/etc\/hostname outside/);
  });
});

describe('playbooks: schema, file:line errors, references', () => {
  const load = (text: string) => loadDocument('pb.yaml', text, PlaybookSchema);

  test('the shipped kernel-upgrade playbook is valid and needs exactly its documented vars', () => {
    const file = path.join(REPO_ROOT, 'playbooks', 'kernel-upgrade.yaml');
    const loaded = load(readFileSync(file, 'utf8'));
    assert.ok(loaded.value, JSON.stringify(loaded.problems));
    assert.deepEqual(checkPlaybookReferences(loaded.value, { package: 'k.deb', health_check: 'true' }), []);
    assert.deepEqual(
      checkPlaybookReferences(loaded.value, {}).map((problem) => problem.replace(/ \(.*?\)/, '')),
      [
        "steps[2]: {{ vars.package }} is not set by the spec's vars or the playbook's vars",
        "steps[10]: {{ vars.health_check }} is not set by the spec's vars or the playbook's vars",
        "checks[0]: {{ vars.health_check }} is not set by the spec's vars or the playbook's vars",
      ],
    );
    assert.deepEqual(
      loaded.value.steps.map((step) => stepAction(step).kind),
      ['run', 'run', 'upload', 'run', 'run', 'run', 'run', 'reboot', 'check', 'check', 'check', 'run', 'run'],
    );
    assert.deepEqual(
      loaded.value.steps.filter((step) => step.local).map((step) => step.name),
      ['drain the node', 'uncordon the node'],
      'kubectl runs on the control host',
    );
  });

  test('the shipped cni-netkit playbook is valid, needs only datapath, and verifies from the control host', () => {
    const loaded = load(readFileSync(path.join(REPO_ROOT, 'playbooks', 'cni-netkit.yaml'), 'utf8'));
    assert.ok(loaded.value, JSON.stringify(loaded.problems));
    assert.deepEqual(checkPlaybookReferences(loaded.value, { datapath: '../../bpf' }), []);
    assert.deepEqual(
      checkPlaybookReferences(loaded.value, {}).map((problem) => problem.replace(/ \(.*?\)/, '').replace(/^steps\[\d+\]: /, '')),
      Array(5).fill("{{ vars.datapath }} is not set by the spec's vars or the playbook's vars"),
    );
    assert.deepEqual(
      [...loaded.value.steps, ...loaded.value.rollback].filter((step) => step.local).map((step) => step.name),
      ['the veth/netkit matrix passes on the node', 'the matrix passes on the previous mode'],
      'cni verify runs on the control host, against the node',
    );
    assert.deepEqual(
      loaded.value.rollback.map((step) => step.undoes),
      ['new pods get netkit', 'load the ACL program', 'new pods get netkit'],
      'a node whose mode never flipped has nothing to undo; the program is unloaded only where this rollout loaded it',
    );
  });

  test('each problem names its line', () => {
    const loaded = load(
      'name: p\nsteps:\n  - run: "true"\n  - name: two things\n    run: a\n    check: b\n  - reboot: {}\n    retries: 2\n  - check: x\n    register: out\n  - wait_for: { run: x, timeout: 5 minutes }\nbogus: 1\n',
    );
    assert.equal(loaded.value, null);
    assert.deepEqual(
      loaded.problems.map((problem) => [problem.line, problem.problem]),
      [
        [4, 'a step does one thing; this one has run and check'],
        [8, 'a reboot is never retried blindly; it is verified by boot id'],
        [10, 'only a run step can register its output'],
        [11, 'a duration such as "30s", "10m" or "2h"'],
        [12, 'Unrecognized key: "bogus"'],
      ],
    );
  });

  test('a step with no action, and reboot: true as shorthand', () => {
    assert.match(load('name: p\nsteps:\n  - name: nothing\n').problems[0]!.problem, /a step needs one of: run, check, upload, reboot, wait_for/);
    const loaded = load('name: p\nsteps:\n  - reboot: true\n');
    assert.deepEqual(stepAction(loaded.value!.steps[0]!), { kind: 'reboot', command: 'reboot', downTimeoutMs: 120_000, upTimeoutMs: 600_000 });
  });

  test('vars may be numbers, booleans, lists and maps: commands get their text, lists and maps as JSON', () => {
    const loaded = load('name: p\nvars:\n  retries: 3\n  drain: true\n  zones: [a, b]\n  limits: {cpu: 2}\n  plain: x\nsteps:\n  - run: "true"\n');
    assert.deepEqual(loaded.value?.vars, { retries: '3', drain: 'true', zones: '["a","b"]', limits: '{"cpu":2}', plain: 'x' });
    const zones = execFileSync('sh', ['-c', 'printf %s "$FLEETWAVE_VAR_zones" | jq -r ".[1]"'], { env: { ...process.env, FLEETWAVE_VAR_zones: loaded.value!.vars.zones! }, encoding: 'utf8' });
    assert.equal(zones.trim(), 'b', 'a nested script reads a list var with jq');
    const unset = load('name: p\nvars:\n  empty: null\nsteps:\n  - run: "true"\n');
    assert.deepEqual(
      unset.problems.map((problem) => [problem.line, problem.problem]),
      [[3, 'a var is a string, number, boolean, list or map (not null)']],
    );
  });

  test('registered values must come from an earlier step; rollback may use any', () => {
    const loaded = load('name: p\nsteps:\n  - run: echo {{ registered.old }}\n  - run: uname -r\n    register: old\nrollback:\n  - run: grub-set-default {{ registered.old }}\n');
    assert.deepEqual(checkPlaybookReferences(loaded.value!, {}), ['steps[0]: {{ registered.old }} is not registered by an earlier step']);
  });
});

describe('gates: judged from their answers, failing closed', () => {
  const gate = { url: 'http://127.0.0.1:9090', query: 'errors', max: 0.05 };
  const vector = (...values: string[]) => ({ status: 'success', data: { resultType: 'vector', result: values.map((value, index) => ({ metric: { instance: `i${index}` }, value: [1, value] })) } });

  test('Prometheus: every series within bounds is healthy; one outside is not', () => {
    assert.equal(judgePrometheusAnswer(gate, vector('0.01', '0.02')).healthy, true);
    const bad = judgePrometheusAnswer(gate, vector('0.01', '0.2'));
    assert.deepEqual([bad.healthy, bad.detail], [false, '{"instance":"i1"}=0.2 not <= 0.05']);
    assert.equal(judgePrometheusAnswer({ ...gate, max: undefined, min: 1 }, { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }).healthy, true);
  });

  test('Prometheus: no data, NaN, errors and junk are unhealthy', () => {
    assert.match(judgePrometheusAnswer(gate, vector()).detail, /no data \(fail closed\)/);
    assert.equal(judgePrometheusAnswer(gate, vector('NaN')).healthy, false);
    assert.equal(judgePrometheusAnswer(gate, { status: 'error', error: 'parse error' }).healthy, false);
    assert.equal(judgePrometheusAnswer(gate, 'not json').healthy, false);
    assert.equal(judgePrometheusAnswer(gate, { status: 'success', data: { resultType: 'matrix', result: [] } }).healthy, false);
  });

  test('HTTP: status and body', () => {
    assert.equal(judgeHttpAnswer({ expect_status: 200 }, 200, 'ok').healthy, true);
    assert.equal(judgeHttpAnswer({ expect_status: 200 }, 503, 'down').healthy, false);
    assert.equal(judgeHttpAnswer({ expect_status: 200, body_contains: 'green' }, 200, 'red').healthy, false);
  });

  test('all gates must be healthy; the unhealthy ones are named', () => {
    assert.deepEqual(judgeGates([]), { healthy: true, detail: 'no gates' });
    const verdict = judgeGates([
      { gate: 'a', healthy: true, detail: 'ok' },
      { gate: 'b', healthy: false, detail: 'HTTP 503' },
    ]);
    assert.deepEqual(verdict, { healthy: false, detail: 'gate b: HTTP 503' });
  });
});

describe('gate readers against real endpoints', () => {
  const here = { baseDir: '.' };
  test('command gates run on the control host; exit 0 is healthy, anything else is not', async () => {
    const { readGate } = await import('../src/services/gate-kinds/index.js');
    assert.deepEqual(await readGate({ name: 'ok', command: 'echo all good', timeout: 5 }, here), { gate: 'ok', healthy: true, detail: 'all good' });
    const failing = await readGate({ name: 'bad', command: 'echo "5 pods crashlooping" >&2; exit 3', timeout: 5 }, here);
    assert.deepEqual(failing, { gate: 'bad', healthy: false, detail: 'exit 3: 5 pods crashlooping' });
    const slow = await readGate({ name: 'slow', command: 'sleep 5', timeout: 1 }, here);
    assert.equal(slow.healthy, false, 'a gate past its deadline is unhealthy');
    const verify = await readGate({ name: 'matrix', cniVerify: { selector: 'cni=netkit', requireNetkit: true }, timeout: 5 }, here);
    assert.deepEqual(verify, { gate: 'matrix', healthy: false, detail: 'no FLEETWAVE_CLI to run cni verify with (fail closed)' }, 'a cniVerify gate outside a rollout run fails closed');
  });

  test('HTTP gates: status and body from a real listener; a refused connection fails closed', async () => {
    const { readGate } = await import('../src/services/gate-kinds/index.js');
    const { createServer } = await import('node:http');
    const server = createServer((request, response) => {
      if (request.url === '/healthz') response.writeHead(200).end('status: green');
      else response.writeHead(503).end('status: red');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const gate = (path: string, body?: string) => ({ name: 'http', http: { url: `http://127.0.0.1:${port}${path}`, expect_status: 200, ...(body ? { body_contains: body } : {}) }, timeout: 5 });
      assert.equal((await readGate(gate('/healthz', 'green'), here)).healthy, true);
      assert.equal((await readGate(gate('/healthz', 'blue'), here)).healthy, false);
      assert.deepEqual(await readGate(gate('/other'), here), { gate: 'http', healthy: false, detail: 'HTTP 503, expected 200' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = await readGate({ name: 'gone', http: { url: `http://127.0.0.1:${port}/healthz`, expect_status: 200 }, timeout: 5 }, here);
    assert.equal(refused.healthy, false);
    assert.match(refused.detail, /could not read the gate \(fail closed\): (ECONNREFUSED|UND_ERR_SOCKET)/);
  });
});
