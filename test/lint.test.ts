import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './support/paths.js';

/** ESLint (typescript-eslint's recommended rules) and Prettier over the tree, as `npm run lint` runs them. */
function run(tool: string, args: string[]) {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', tool), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the tree is linted and formatted', () => {
  test('eslint finds nothing', () => {
    const eslint = run('eslint/bin/eslint.js', ['--max-warnings', '0', '.']);
    assert.equal(eslint.code, 0, eslint.output);
  });
  test('prettier --check finds nothing to reformat', () => {
    const prettier = run('prettier/bin/prettier.cjs', ['--check', '.']);
    assert.equal(prettier.code, 0, prettier.output);
  });
});
