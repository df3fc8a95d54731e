import { fileURLToPath } from 'node:url';

/** Compiled code lives in dist/src; shipped data (migrations, playbooks) sits at the package root. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
