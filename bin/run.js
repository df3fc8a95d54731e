#!/usr/bin/env node
// EPIPE on stdout (`fleetwave ... | head`) is swallowed by @oclif/core's Command module; a test guards it.
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
