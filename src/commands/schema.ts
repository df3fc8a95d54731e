import { Args } from '@oclif/core';
import { FleetwaveCommand } from '../cli/base-command.js';
import { DOCUMENT_KINDS, jsonSchemaOf } from '../documents/json-schemas.js';

export default class Schema extends FleetwaveCommand {
  static override summary = 'Print the JSON Schema of a document you write (rollout spec, playbook, inventory), for editors; generated from the schema fleetwave parses with.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> playbook > playbook.schema.json',
    '<%= config.bin %> <%= command.id %> inventory > inventory.schema.json',
    '<%= config.bin %> <%= command.id %> rollout > rollout.schema.json',
  ];
  static override args = { kind: Args.string({ description: 'Which document.', required: true, options: DOCUMENT_KINDS }) };

  async run(): Promise<Record<string, unknown>> {
    const { args } = await this.parse(Schema);
    return this.output(jsonSchemaOf(args.kind), (json) => JSON.stringify(json, null, 2));
  }
}
