import { z } from 'zod';
import { FleetwaveCommand } from '../../cli/base-command.js';
import { RolloutSpecSchema } from '../../rollout/spec.js';

export default class RolloutSchema extends FleetwaveCommand {
  static override summary = 'Print the JSON Schema of rollout specs, for editors (generated from the one zod schema).';
  static override examples = ['<%= config.bin %> <%= command.id %> > rollout.schema.json'];

  async run(): Promise<Record<string, unknown>> {
    await this.parse(RolloutSchema);
    const schema = z.toJSONSchema(RolloutSpecSchema, { io: 'input' }) as Record<string, unknown>;
    return this.output(schema, (json) => JSON.stringify(json, null, 2));
  }
}
