#!/usr/bin/env node
// `fleetwave ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
