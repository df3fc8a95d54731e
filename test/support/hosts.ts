import type { Host } from '../../src/fleet/host.js';

/** A fully-formed Host for pure tests; override only what the case is about. */
export function makeHost(overrides: Partial<Host> & { hostname: string }): Host {
  return {
    address: overrides.hostname,
    port: null,
    user: null,
    cluster: null,
    zone: null,
    rack: null,
    labels: {},
    runningKernel: null,
    defaultKernel: null,
    nextBootKernel: null,
    installedKernels: [],
    bootId: null,
    uptimeSeconds: null,
    netkitCapable: null,
    netkitDetail: null,
    cniMode: null,
    lastProbedAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
