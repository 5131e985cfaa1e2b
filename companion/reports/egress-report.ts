// The seed's "what is stored where" table (DESIGN.md), made live for one tenant: the fixed facts
// per data category plus what this tenant has stored right now and what awaits the purge job.
import type { DbTx } from '../db/prisma.js';
import type { EgressCategory, EgressCategoryName, EgressReport } from '../contract/egress-report.js';
import { CACHE_RETENTION_TEXT } from '../cache/cache-retention.js';

const LIST_CAP = 100;
const COMPANION_DB = 'companion database (Postgres, in the tenant\'s region)';

/** The static part of each row: DESIGN.md "Where each piece of data lives". */
const FACTS: Record<EgressCategoryName, { description: string; storedIn: string; computedIn: string; retention: string }> = {
  datasources: {
    description: 'Datasource configuration, including credentials',
    storedIn: `${COMPANION_DB}; credentials encrypted with AES-256-GCM, key kept outside the database`,
    computedIn: 'companion',
    retention: 'until deleted + 30 days',
  },
  fields: { description: 'Connected custom field configuration', storedIn: COMPANION_DB, computedIn: 'companion', retention: 'until deleted + 30 days' },
  items: { description: 'Connected item configuration', storedIn: COMPANION_DB, computedIn: 'companion', retention: 'until deleted + 30 days' },
  mappings: {
    description: 'Connected items ↔ projects, issue types and request types (IDs only)',
    storedIn: COMPANION_DB,
    computedIn: 'companion',
    retention: 'until replaced, or uninstall + 30 days',
  },
  itemValues: {
    description: 'Values chosen for connected items, per issue',
    storedIn: COMPANION_DB,
    computedIn: 'companion',
    retention: 'until the issue or the item is deleted (+ 30 days), or uninstall + 30 days',
  },
  cache: {
    description:
      'Datasource responses (options), keyed by an HMAC of the evaluated query under a server-side key (a parent value cannot be found again by hashing candidates); an answer fetched under a user\'s own Jira token is kept apart for that user (accountId in the key), only answers fetched with the datasource\'s or the app\'s credentials are shared',
    storedIn: COMPANION_DB,
    computedIn: 'companion',
    retention: CACHE_RETENTION_TEXT,
  },
  installation: {
    description: 'Installation id, cloud id, API base URL, license state',
    storedIn: COMPANION_DB,
    computedIn: 'companion',
    retention: 'until uninstall + 30 days (cancelled by a reinstall)',
  },
  fieldValues: {
    description: 'Connected custom field values',
    storedIn: 'Jira (the Forge custom field\'s own value); never written by the companion',
    computedIn: 'companion, from values sent with the request or read from Jira, then forgotten',
    retention: 'Jira\'s lifetime',
  },
};

type Pending = { id: string; purgeAt: Date | null };
const listed = (rows: Pending[]) =>
  rows.slice(0, LIST_CAP).map((r) => ({ id: r.id, purgeAt: (r.purgeAt ?? new Date(0)).toISOString() }));

export async function egressReport(db: DbTx, tenantId: string, now: Date): Promise<EgressReport> {
  const deleted = { tenantId, deletedAt: { not: null } };
  const pendingArgs = { where: deleted, select: { id: true, purgeAt: true }, orderBy: { purgeAt: 'asc' as const }, take: LIST_CAP };
  const staleCopy = { tenantId, expiresAt: { lte: now }, staleUntil: { gte: now } };
  const [tenant, datasources, fields, items, mappings, itemValues, cache, dsPending, fieldPending, itemPending, valuePending, cachePending, cacheStale, staleCopies, staleKeptUntil] =
    await Promise.all([
      db.tenant.findUnique({ where: { id: tenantId }, select: { id: true, purgeAt: true } }),
      db.datasource.count({ where: { tenantId } }),
      db.field.count({ where: { tenantId } }),
      db.item.count({ where: { tenantId } }),
      db.mapping.count({ where: { tenantId } }),
      db.itemValue.count({ where: { tenantId } }),
      db.cacheEntry.count({ where: { tenantId } }),
      db.datasource.findMany(pendingArgs),
      db.field.findMany(pendingArgs),
      db.item.findMany(pendingArgs),
      db.itemValue.findMany(pendingArgs),
      db.cacheEntry.findMany({ where: { tenantId, staleUntil: { lt: now } }, select: { keyHash: true, staleUntil: true }, orderBy: { staleUntil: 'asc' }, take: LIST_CAP }),
      db.cacheEntry.count({ where: { tenantId, staleUntil: { lt: now } } }),
      db.cacheEntry.count({ where: staleCopy }),
      db.cacheEntry.aggregate({ where: { tenantId, staleUntil: { gte: now } }, _max: { staleUntil: true } }),
    ]);
  const pendingCounts = await Promise.all([
    db.datasource.count({ where: deleted }),
    db.field.count({ where: deleted }),
    db.item.count({ where: deleted }),
    db.itemValue.count({ where: deleted }),
  ]);
  const tenantPending: Pending[] = tenant?.purgeAt ? [{ id: tenant.id, purgeAt: tenant.purgeAt }] : [];
  const row = (name: EgressCategoryName, count: number | null, pending: Pending[], pendingCount: number): EgressCategory => ({
    name,
    ...FACTS[name],
    count,
    pendingPurge: listed(pending),
    pendingPurgeCount: pendingCount,
  });
  return {
    generatedAt: now.toISOString(),
    tenantPurgeAt: tenant?.purgeAt?.toISOString() ?? null,
    categories: [
      row('datasources', datasources, dsPending, pendingCounts[0]),
      row('fields', fields, fieldPending, pendingCounts[1]),
      row('items', items, itemPending, pendingCounts[2]),
      row('mappings', mappings, [], 0),
      row('itemValues', itemValues, valuePending, pendingCounts[3]),
      // Expired entries are removed by the next purge run: their purge date is when they went stale.
      {
        ...row('cache', cache, cachePending.map((c) => ({ id: c.keyHash, purgeAt: c.staleUntil })), cacheStale),
        staleCopies: { count: staleCopies, keptUntil: staleKeptUntil._max.staleUntil?.toISOString() ?? null },
      },
      row('installation', tenant ? 1 : 0, tenantPending, tenantPending.length),
      row('fieldValues', null, [], 0),
    ],
  };
}
