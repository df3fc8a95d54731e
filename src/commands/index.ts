import AuditLog from './audit/log.js';
import AuditVerify from './audit/verify.js';
import FleetClearHostKey from './fleet/clear-host-key.js';
import FleetExec from './fleet/exec.js';
import FleetImport from './fleet/import.js';
import FleetList from './fleet/list.js';
import FleetProbe from './fleet/probe.js';
import FleetShow from './fleet/show.js';
import FleetSummary from './fleet/summary.js';
import LabDown from './lab/down.js';
import LabFault from './lab/fault.js';
import LabStatus from './lab/status.js';
import LabUp from './lab/up.js';
import RolloutAbort from './rollout/abort.js';
import RolloutList from './rollout/list.js';
import RolloutPlan from './rollout/plan.js';
import RolloutSchema from './rollout/schema.js';

/** The explicit command registry: oclif loads this one module instead of scanning the disk. */
export const COMMANDS = {
  'audit:log': AuditLog,
  'audit:verify': AuditVerify,
  'fleet:clear-host-key': FleetClearHostKey,
  'fleet:exec': FleetExec,
  'fleet:import': FleetImport,
  'fleet:list': FleetList,
  'fleet:probe': FleetProbe,
  'fleet:show': FleetShow,
  'fleet:summary': FleetSummary,
  'lab:down': LabDown,
  'lab:fault': LabFault,
  'lab:status': LabStatus,
  'lab:up': LabUp,
  'rollout:abort': RolloutAbort,
  'rollout:list': RolloutList,
  'rollout:plan': RolloutPlan,
  'rollout:schema': RolloutSchema,
};
