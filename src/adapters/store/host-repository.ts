import type { Database, Statement } from 'better-sqlite3';
import type { Host } from '../../fleet/host.js';
import type { HostUpsert } from '../../fleet/import-plan.js';
import type { ProbeFacts } from '../../probe/probe-facts.js';

interface HostRow {
  hostname: string;
  address: string;
  port: number | null;
  ssh_user: string | null;
  cluster: string | null;
  zone: string | null;
  rack: string | null;
  labels: string;
  running_kernel: string | null;
  default_kernel: string | null;
  next_boot_kernel: string | null;
  installed_kernels: string;
  boot_id: string | null;
  uptime_seconds: number | null;
  netkit_capable: number | null;
  netkit_detail: string | null;
  cni_mode: string | null;
  last_probed_at: string | null;
  created_at: string;
  updated_at: string;
}

const HOST_COLUMNS = `hostname, address, port, ssh_user, cluster, zone, rack, labels, running_kernel, default_kernel,
  next_boot_kernel, installed_kernels, boot_id, uptime_seconds, netkit_capable, netkit_detail, cni_mode, last_probed_at,
  created_at, updated_at`;

function toHost(row: HostRow): Host {
  return {
    hostname: row.hostname,
    address: row.address,
    port: row.port,
    user: row.ssh_user,
    cluster: row.cluster,
    zone: row.zone,
    rack: row.rack,
    labels: JSON.parse(row.labels) as Record<string, string>,
    runningKernel: row.running_kernel,
    defaultKernel: row.default_kernel,
    nextBootKernel: row.next_boot_kernel,
    installedKernels: JSON.parse(row.installed_kernels) as string[],
    bootId: row.boot_id,
    uptimeSeconds: row.uptime_seconds,
    netkitCapable: row.netkit_capable === null ? null : row.netkit_capable === 1,
    netkitDetail: row.netkit_detail,
    cniMode: row.cni_mode as Host['cniMode'],
    lastProbedAt: row.last_probed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function upsertParams(upsert: HostUpsert, now: string) {
  const { fields } = upsert;
  return {
    hostname: fields.hostname,
    address: fields.address,
    port: fields.port,
    ssh_user: fields.user,
    cluster: fields.cluster,
    zone: fields.zone,
    rack: fields.rack,
    labels: JSON.stringify(fields.labels),
    running_kernel: upsert.runningKernel ?? null,
    now,
  };
}

export class HostRepository {
  private readonly selectAll: Statement<[], HostRow>;
  private readonly selectOne: Statement<[string], HostRow>;
  private readonly insert: Statement<ReturnType<typeof upsertParams>>;
  private readonly update: Statement<ReturnType<typeof upsertParams>>;
  private readonly remove: Statement<[string]>;
  private readonly probed: Statement<Record<string, string | number | null>>;

  private readonly labelOne: Statement<[string, string, string, string]>;
  private readonly unlabelOne: Statement<[string, string, string]>;

  constructor(private readonly db: Database) {
    this.selectAll = db.prepare(`SELECT ${HOST_COLUMNS} FROM hosts ORDER BY hostname`);
    this.selectOne = db.prepare(`SELECT ${HOST_COLUMNS} FROM hosts WHERE hostname = ?`);
    this.insert = db.prepare(`INSERT INTO hosts (hostname, address, port, ssh_user, cluster, zone, rack, labels, running_kernel, created_at, updated_at)
      VALUES (@hostname, @address, @port, @ssh_user, @cluster, @zone, @rack, @labels, @running_kernel, @now, @now)`);
    // COALESCE: an inventory without a kernel column must not erase what a probe observed.
    this.update = db.prepare(`UPDATE hosts SET address = @address, port = @port, ssh_user = @ssh_user, cluster = @cluster,
      zone = @zone, rack = @rack, labels = @labels, running_kernel = COALESCE(@running_kernel, running_kernel), updated_at = @now
      WHERE hostname = @hostname`);
    this.remove = db.prepare('DELETE FROM hosts WHERE hostname = ?');
    this.labelOne = db.prepare("UPDATE hosts SET labels = json_set(labels, '$.' || json_quote(?), ?), updated_at = ? WHERE hostname = ?");
    this.unlabelOne = db.prepare("UPDATE hosts SET labels = json_remove(labels, '$.' || json_quote(?)), updated_at = ? WHERE hostname = ?");
    this.probed = db.prepare(`UPDATE hosts SET running_kernel = @runningKernel, default_kernel = @defaultKernel,
      next_boot_kernel = @nextBootKernel, installed_kernels = @installedKernels, boot_id = @bootId, uptime_seconds = @uptimeSeconds,
      netkit_capable = @netkitCapable, netkit_detail = @netkitDetail, cni_mode = @cniMode, last_probed_at = @now, updated_at = @now
      WHERE hostname = @hostname`);
  }

  all(): Host[] {
    // Row by row rather than .all(): a million hosts read in about a third of the time and without
    // a second array of raw rows alive beside the hosts (measured: 24.6 s and 1.8 GB before).
    const hosts: Host[] = [];
    for (const row of this.selectAll.iterate()) hosts.push(toHost(row));
    return hosts;
  }

  /** Host names starting with `prefix`, in order, at most `limit` (the unique index answers it). */
  namesStartingWith(prefix: string, limit: number): string[] {
    // Each character in brackets: a typed *, ? or [ is that character, not a wildcard.
    const pattern = `${[...prefix].map((character) => (character === ']' ? character : `[${character}]`)).join('')}*`;
    return this.db.prepare('SELECT hostname FROM hosts WHERE hostname GLOB ? ORDER BY hostname LIMIT ?').pluck().all(pattern, limit) as string[];
  }

  find(hostname: string): Host | null {
    const row = this.selectOne.get(hostname);
    return row ? toHost(row) : null;
  }

  /** Callers wrap these in their transaction together with the audit events. */
  insertHost(upsert: HostUpsert, now: string): void {
    this.insert.run(upsertParams(upsert, now));
  }

  updateHost(upsert: HostUpsert, now: string): void {
    this.update.run(upsertParams(upsert, now));
  }

  /** Sets one label on one host (the caller records the audit event in the same transaction). */
  setLabel(hostname: string, key: string, value: string, now: string): void {
    this.labelOne.run(key, value, now, hostname);
  }

  removeLabel(hostname: string, key: string, now: string): void {
    this.unlabelOne.run(key, now, hostname);
  }

  removeHost(hostname: string): void {
    this.remove.run(hostname);
  }

  recordProbe(hostname: string, facts: ProbeFacts, now: string): void {
    this.probed.run({
      hostname,
      runningKernel: facts.runningKernel,
      defaultKernel: facts.defaultKernel,
      nextBootKernel: facts.nextBootKernel,
      installedKernels: JSON.stringify(facts.installedKernels),
      bootId: facts.bootId,
      uptimeSeconds: facts.uptimeSeconds,
      netkitCapable: facts.netkitCapable ? 1 : 0,
      netkitDetail: facts.netkitDetail,
      cniMode: facts.cniMode,
      now,
    });
  }
}
