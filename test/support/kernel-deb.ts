/** The lab's package builder, shared with the tests (one implementation, see src/adapters/lab). */
export { buildDeb, buildKernelDeb } from '../../src/adapters/lab/lab-packages.js';
