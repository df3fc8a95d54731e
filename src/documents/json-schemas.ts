import { z } from 'zod';
import { InventoryHostSchema } from '../fleet/host.js';
import { PlaybookSchema } from '../rollout/playbook.js';
import { RolloutSpecSchema } from '../rollout/spec.js';

/**
 * The documents people write, each with the JSON Schema editors validate it with, generated from
 * the one zod schema fleetwave itself parses with (input side: what may be written, before
 * defaults). One registry; `schema KIND` and `rollout schema` print from it.
 */
const DOCUMENTS = new Map<string, { title: string; schema: z.ZodType }>([
  ['rollout', { title: 'fleetwave rollout spec', schema: RolloutSpecSchema }],
  ['playbook', { title: 'fleetwave playbook', schema: PlaybookSchema }],
  // fleetwave's own inventory format: a mapping with a "hosts" list, or the bare list.
  ['inventory', { title: 'fleetwave inventory (YAML or JSON)', schema: z.union([z.strictObject({ hosts: z.array(InventoryHostSchema) }), z.array(InventoryHostSchema)]) }],
]);

export const DOCUMENT_KINDS = [...DOCUMENTS.keys()];

export function jsonSchemaOf(kind: string): Record<string, unknown> {
  const document = DOCUMENTS.get(kind);
  if (!document) throw new Error(`no document kind ${kind}`);
  return { ...(z.toJSONSchema(document.schema, { io: 'input' }) as Record<string, unknown>), title: document.title };
}
