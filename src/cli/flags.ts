import { Flags } from '@oclif/core';
import { INVENTORY_FORMATS } from '../inventory/source.js';

/** Flags shared by several commands, defined once so their help and env vars never drift. */
export const reasonFlag = Flags.string({
  summary: 'Why you are doing this; recorded in the audit trail.',
  env: 'FLEETWAVE_REASON',
});

export const whereFlag = Flags.string({
  char: 'w',
  summary: "Host selector, e.g. 'zone=a,rack!=r7,kernel~5.15' (see `fleetwave fleet list --help`).",
});

export const formatFlag = Flags.option({
  options: INVENTORY_FORMATS,
  summary: 'Inventory format; detected from the extension and content when omitted.',
})();

export const labDirFlag = Flags.string({
  summary: 'Directory holding the lab state (keys, sshd configs, simulated host state).',
  env: 'FLEETWAVE_LAB_DIR',
  default: '.fleetwave/lab',
});
