// Retention (DESIGN.md): deleted datasources, fields and items, and deleted item values, are purged
// 30 days after deletion; an uninstalled tenant and everything it owns 30 days after preUninstall
// unless it was reinstalled (which clears its purgeAt); cache entries once stale (at most 24 h). One run deletes
// exactly what is due at the clock's now. Runs under a lease so several instances purge once.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/prisma.js';
import type { Clock } from '../clock.js';
import type { Companion } from '../companion.js';
import { noteRun, takeLease } from './job-lease.js';
import { CACHE_RETENTION_MS } from '../cache/cache-retention.js';

export const PURGE_LEASE = 'retention.purge';

export interface PurgeCounts {
  tenants: number;
  itemValues: number;
  items: number;
  fields: number;
  datasources: number;
  cacheEntries: number;
}

export interface PurgeOutcome {
  /** false: another run holds the lease; nothing was done. */
  ran: boolean;
  counts: PurgeCounts;
  /** installationIds of the purged tenants (for the in-process tenant cache). */
  purgedInstallations: string[];
}

export interface PurgeOptions {
  /** Who runs (one id per instance); a fresh one per call by default. */
  holder?: string;
  /** How long a run keeps others out; shorter than the job's interval. */
  leaseMs?: number;
}

const NONE: PurgeCounts = { tenants: 0, itemValues: 0, items: 0, fields: 0, datasources: 0, cacheEntries: 0 };

export async function runPurge(db: Db, clock: Clock, options: PurgeOptions = {}): Promise<PurgeOutcome> {
  const now = clock.now();
  const holder = options.holder ?? randomUUID();
  if (!(await takeLease(db, PURGE_LEASE, holder, now, options.leaseMs ?? 5 * 60_000))) {
    return { ran: false, counts: NONE, purgedInstallations: [] };
  }
  const due = { purgeAt: { lte: now }, deletedAt: { not: null } };
  // Tenants first: the cascade takes all their rows at once. `uninstalledAt` guards against a
  // purgeAt left on a tenant that was reinstalled (installed clears both).
  const tenants = await db.tenant.findMany({ where: { purgeAt: { lte: now }, uninstalledAt: { not: null } }, select: { id: true, installationId: true } });
  let tenantCount = 0;
  for (const tenant of tenants) {
    // Fields and items go first: their foreign key to a datasource restricts, and a cascade from
    // the tenant does not order itself around that.
    tenantCount += await db.$transaction(async (tx) => {
      const still = { id: tenant.id, purgeAt: { lte: now }, uninstalledAt: { not: null } };
      if (!(await tx.tenant.findFirst({ where: still, select: { id: true } }))) return 0;
      await tx.item.deleteMany({ where: { tenantId: tenant.id } });
      await tx.field.deleteMany({ where: { tenantId: tenant.id } });
      return (await tx.tenant.deleteMany({ where: still })).count;
    }, { timeout: 60_000, maxWait: 10_000 });
  }

  const { count: itemValues } = await db.itemValue.deleteMany({ where: due });
  // Items and fields before datasources: they hold a restricting foreign key to theirs.
  const items = await db.item.findMany({ where: due, select: { id: true } });
  const fields = await db.field.findMany({ where: due, select: { id: true } });
  const itemCount = (await db.item.deleteMany({ where: { id: { in: items.map((r) => r.id) } } })).count;
  const fieldCount = (await db.field.deleteMany({ where: { id: { in: fields.map((r) => r.id) } } })).count;
  // A datasource still referenced by a deleted field or item that is not yet due waits for it.
  const datasources = await db.datasource.findMany({ where: { ...due, fields: { none: {} }, items: { none: {} } }, select: { id: true } });
  const dsIds = datasources.map((d) => d.id);
  const dsCount = (await db.datasource.deleteMany({ where: { id: { in: dsIds } } })).count;
  // Cache entries: past their stale window, or of a purged datasource, field or connected item (the
  // `fieldId` column holds whichever config mapped the rows), or kept longer than the egress report
  // states (written under another clock or an older rule): none outlives what the report says.
  const configIds = [...fields, ...items].map((r) => r.id);
  const { count: cacheEntries } = await db.cacheEntry.deleteMany({
    where: {
      OR: [
        { staleUntil: { lt: now } },
        { staleUntil: { gt: new Date(now.getTime() + CACHE_RETENTION_MS) } },
        { datasourceId: { in: dsIds } },
        { fieldId: { in: configIds } },
      ],
    },
  });
  await noteRun(db, PURGE_LEASE, holder, now);
  return {
    ran: true,
    counts: { tenants: tenantCount, itemValues, items: itemCount, fields: fieldCount, datasources: dsCount, cacheEntries },
    purgedInstallations: tenants.map((t) => t.installationId),
  };
}

/** One run as an instance does it: purge, then forget purged tenants' ids cached in this process. */
export async function purgeOnce(companion: Pick<Companion, 'db' | 'clock' | 'tenants'>, options: PurgeOptions = {}): Promise<PurgeOutcome> {
  const outcome = await runPurge(companion.db, companion.clock, options);
  for (const installationId of outcome.purgedInstallations) companion.tenants.forget(installationId);
  return outcome;
}
