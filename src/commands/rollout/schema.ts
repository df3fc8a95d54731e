import { FleetwaveCommand } from '../../cli/base-command.js';
import { jsonSchemaOf } from '../../documents/json-schemas.js';

export default class RolloutSchema extends FleetwaveCommand {
  static override summary = 'Print the JSON Schema of rollout specs, for editors (the same as `schema rollout`).';
  static override examples = ['<%= config.bin %> <%= command.id %> > rollout.schema.json'];

  async run(): Promise<Record<string, unknown>> {
    await this.parse(RolloutSchema);
    return this.output(jsonSchemaOf('rollout'), (json) => JSON.stringify(json, null, 2));
  }
}
