import { fileURLToPath } from 'node:url';

/** Tests run from dist/test; fixtures and the CLI live in the source tree. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
export const INVENTORIES = `${FIXTURES}inventories/`;
export const CLI = `${REPO_ROOT}bin/run.js`;
