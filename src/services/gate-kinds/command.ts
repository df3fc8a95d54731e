import { runProcess } from '../../adapters/system/run-command.js';
import type { GateKind } from './kind.js';

/** A command on the control host; exit 0 is healthy. */
export const commandGate: GateKind<'command'> = {
  key: 'command',
  async read(command, gate, context) {
    const result = await runProcess('sh', ['-c', command], { timeoutMs: gate.timeout * 1000, env: context.localEnv ?? {} });
    const output = (result.stdout + result.stderr).trim().split('\n').at(-1) ?? '';
    return { healthy: result.code === 0, detail: result.code === 0 ? output || 'exit 0' : `exit ${result.code ?? result.signal}: ${output}` };
  },
};
