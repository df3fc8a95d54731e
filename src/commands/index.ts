import AuditAnchor from './audit/anchor.js';
import AuditLog from './audit/log.js';
import AuditVerify from './audit/verify.js';
import CniAclApply from './cni/acl/apply.js';
import CniAclStats from './cni/acl/stats.js';
import CniVerify from './cni/verify.js';
import DebugDump from './debug/dump.js';
import FleetClearHostKey from './fleet/clear-host-key.js';
import FleetExec from './fleet/exec.js';
import FleetImport from './fleet/import.js';
import FleetList from './fleet/list.js';
import FleetProbe from './fleet/probe.js';
import FleetShow from './fleet/show.js';
import FleetSummary from './fleet/summary.js';
import FleetUnquarantine from './fleet/unquarantine.js';
import Freeze from './freeze.js';
import KernelBuild from './kernel/build.js';
import KernelList from './kernel/list.js';
import KernelShow from './kernel/show.js';
import KernelVerify from './kernel/verify.js';
import LabDown from './lab/down.js';
import LabFault from './lab/fault.js';
import LabPowerCycle from './lab/power-cycle.js';
import LabStatus from './lab/status.js';
import LabUp from './lab/up.js';
import RolloutAbort from './rollout/abort.js';
import RolloutList from './rollout/list.js';
import RolloutPause from './rollout/pause.js';
import RolloutPlan from './rollout/plan.js';
import RolloutResume from './rollout/resume.js';
import RolloutRollback from './rollout/rollback.js';
import RolloutRun from './rollout/run.js';
import RolloutSchema from './rollout/schema.js';
import RolloutStatus from './rollout/status.js';
import Unfreeze from './unfreeze.js';

/** The explicit command registry: oclif loads this one module instead of scanning the disk. */
export const COMMANDS = {
  'audit:anchor': AuditAnchor,
  'audit:log': AuditLog,
  'audit:verify': AuditVerify,
  'cni:acl:apply': CniAclApply,
  'cni:acl:stats': CniAclStats,
  'cni:verify': CniVerify,
  'debug:dump': DebugDump,
  'fleet:clear-host-key': FleetClearHostKey,
  'fleet:exec': FleetExec,
  'fleet:import': FleetImport,
  'fleet:list': FleetList,
  'fleet:probe': FleetProbe,
  'fleet:show': FleetShow,
  'fleet:summary': FleetSummary,
  'fleet:unquarantine': FleetUnquarantine,
  freeze: Freeze,
  'kernel:build': KernelBuild,
  'kernel:list': KernelList,
  'kernel:show': KernelShow,
  'kernel:verify': KernelVerify,
  'lab:down': LabDown,
  'lab:fault': LabFault,
  'lab:power-cycle': LabPowerCycle,
  'lab:status': LabStatus,
  'lab:up': LabUp,
  'rollout:abort': RolloutAbort,
  'rollout:list': RolloutList,
  'rollout:pause': RolloutPause,
  'rollout:plan': RolloutPlan,
  'rollout:resume': RolloutResume,
  'rollout:rollback': RolloutRollback,
  'rollout:run': RolloutRun,
  'rollout:schema': RolloutSchema,
  'rollout:status': RolloutStatus,
  unfreeze: Unfreeze,
};
