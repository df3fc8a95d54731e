import { fileURLToPath } from 'node:url';

/** The package root: compiled code lives in dist/src, shipped data (migrations, playbooks) at the top. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
