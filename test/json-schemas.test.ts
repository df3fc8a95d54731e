import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import yaml from 'js-yaml';
import { runCli } from './support/cli.js';
import { INVENTORIES, REPO_ROOT } from './support/paths.js';

/** The schemas as a user gets them (`fleetwave schema KIND`), checked by a real JSON Schema validator (ajv, draft 2020-12). */
function validatorFor(kind: string) {
  const printed = runCli(['schema', kind]);
  assert.equal(printed.code, 0, printed.stderr);
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(printed.stdout) as object);
}

const load = (file: string) => yaml.load(readFileSync(file, 'utf8'));
const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => path.join(dir, name));

describe('JSON Schemas for editors', () => {
  test('the shipped playbooks, rollout specs and sample inventory validate against the schemas fleetwave prints', () => {
    for (const [kind, files] of [
      ['playbook', yamlIn(path.join(REPO_ROOT, 'playbooks'))],
      ['rollout', yamlIn(path.join(REPO_ROOT, 'playbooks', 'rollouts'))],
      ['inventory', [path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml'), path.join(INVENTORIES, 'hosts.json')]],
    ] as const) {
      assert.ok(files.length > 0, kind);
      const validate = validatorFor(kind);
      for (const file of files) assert.equal(validate(load(file)), true, `${file}: ${JSON.stringify(validate.errors)}`);
    }
  });

  test('what fleetwave refuses, the schema refuses too: an unknown field, a host without a name, a bad label key', () => {
    const validate = validatorFor('inventory');
    assert.equal(validate(load(path.join(INVENTORIES, 'bad-fields.yaml'))), false);
    const messages = (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`).join('\n');
    assert.match(messages, /additional properties|required property 'hostname'|must match pattern/);
    assert.equal(validatorFor('playbook')({ name: 'x', steps: [{ name: 'a', run: 'true', bogus: 1 }] }), false);
  });

  test('rollout schema and schema rollout print the same schema', () => {
    assert.equal(runCli(['rollout', 'schema']).stdout, runCli(['schema', 'rollout']).stdout);
  });
});
