import { runProcess } from '../../adapters/system/run-command.js';
import type { GateKind } from './kind.js';

/**
 * `fleetwave cni verify SELECTOR --json` run by this same fleetwave against this database: healthy
 * when it exits 0 (no failed cell or ACL counter check). The gate's timeout bounds the whole matrix.
 */
export const cniVerifyGate: GateKind<'cniVerify'> = {
  key: 'cniVerify',
  async read(config, gate, context) {
    const cli = context.localEnv?.FLEETWAVE_CLI;
    if (!cli) return { healthy: false, detail: 'no FLEETWAVE_CLI to run cni verify with (fail closed)' };
    const [program, ...args] = cli.split(' ');
    const result = await runProcess(program!, [...args, 'cni', 'verify', config.selector, '--json', ...(config.requireNetkit ? ['--require-netkit'] : [])], {
      timeoutMs: gate.timeout * 1000,
      env: context.localEnv ?? {},
    });
    let summary = '';
    try {
      const parsed = JSON.parse(result.stdout) as { result?: { ok: number; failed: number; untestable: number; counters?: { failed: number } }; error?: { message: string } };
      const counters = parsed.result?.counters?.failed ? `, ${parsed.result.counters.failed} ACL counter checks failed` : '';
      summary = parsed.result ? `${parsed.result.ok} ok, ${parsed.result.failed} failed, ${parsed.result.untestable} not testable${counters}` : (parsed.error?.message ?? '');
    } catch {
      summary = (result.stderr.trim().split('\n').at(-1) ?? '') || `exit ${result.code ?? result.signal}`;
    }
    return { healthy: result.code === 0, detail: `cni verify ${config.selector}: ${summary}` };
  },
};
