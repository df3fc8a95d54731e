import { notYetObserved, type Host } from '../../src/fleet/host.js';
import type { ProbeFacts } from '../../src/probe/probe-facts.js';

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
    ...notYetObserved(),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Probe facts for pure tests; override only what the case is about. */
export function makeFacts(overrides: Partial<ProbeFacts>): ProbeFacts {
  return {
    runningKernel: '5.15.0-91-generic',
    bootId: 'b1',
    uptimeSeconds: 100,
    defaultKernel: '5.15.0-91-generic',
    nextBootKernel: null,
    installedKernels: ['5.15.0-91-generic'],
    netkitCapable: false,
    netkitDetail: 'the running kernel is built without CONFIG_NETKIT',
    config: {},
    cniMode: null,
    ...overrides,
  };
}
