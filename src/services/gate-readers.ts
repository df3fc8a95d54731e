import { describeHttpError, httpRequest } from '../adapters/http/http-client.js';
import { runProcess } from '../adapters/system/run-command.js';
import { judgeHttpAnswer, judgePrometheusAnswer, type Gate, type GateReading } from '../rollout/gates.js';

/** Reads one gate. Every failure to read (refused, timeout, bad answer) is an unhealthy reading. */
export async function readGate(gate: Gate): Promise<GateReading> {
  const timeoutMs = gate.timeout * 1000;
  try {
    if (gate.command !== undefined) {
      const result = await runProcess('sh', ['-c', gate.command], { timeoutMs });
      const output = (result.stdout + result.stderr).trim().split('\n').at(-1) ?? '';
      return { gate: gate.name, healthy: result.code === 0, detail: result.code === 0 ? output || 'exit 0' : `exit ${result.code ?? result.signal}: ${output}` };
    }
    if (gate.http) {
      const answer = await httpRequest(gate.http.url, { timeoutMs });
      return { gate: gate.name, ...judgeHttpAnswer(gate.http, answer.status, answer.body) };
    }
    if (gate.prometheus) {
      const url = new URL('/api/v1/query', gate.prometheus.url);
      url.searchParams.set('query', gate.prometheus.query);
      const answer = await httpRequest(url.toString(), { timeoutMs });
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        return { gate: gate.name, healthy: false, detail: `HTTP ${answer.status}: not JSON (fail closed)` };
      }
      return { gate: gate.name, ...judgePrometheusAnswer(gate.prometheus, parsed) };
    }
  } catch (error) {
    return { gate: gate.name, healthy: false, detail: `could not read the gate (fail closed): ${describeHttpError(error)}` };
  }
  return { gate: gate.name, healthy: false, detail: 'a gate of no known kind (fail closed)' };
}
