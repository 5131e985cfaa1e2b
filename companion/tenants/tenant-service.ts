// Tenants are keyed by the token's app.installationId and created on first use. The id is cached
// in-process: the hot path (options with a warm cache) must not pay a database round trip for it.
import type { Db } from '../db/prisma.js';
import type { Invocation } from '../auth/forge-token-verifier.js';
import { tenantRepository } from './tenant-repository.js';

const REFRESH_MS = 5 * 60_000;
const MAX_CACHED = 10_000;

export function tenantService(db: Db) {
  const known = new Map<string, { id: string; fingerprint: string; at: number }>();
  const repo = tenantRepository(db);

  const fingerprint = (inv: Invocation) =>
    `${inv.cloudId}|${inv.apiBaseUrl}|${inv.environment}|${inv.licenseActive}`;

  /** The tenant's id when this process knows it and what the token says of the tenant is unchanged. */
  const knownId = (invocation: Invocation): string | undefined => {
    const cached = known.get(invocation.installationId);
    return cached && cached.fingerprint === fingerprint(invocation) && Date.now() - cached.at < REFRESH_MS ? cached.id : undefined;
  };

  return {
    known: knownId,
    async resolve(invocation: Invocation): Promise<string> {
      const id = knownId(invocation);
      if (id !== undefined) return id;
      const fp = fingerprint(invocation);
      const tenant = await repo.upsert({
        installationId: invocation.installationId,
        cloudId: invocation.cloudId,
        apiBaseUrl: invocation.apiBaseUrl,
        environment: invocation.environment,
        licenseState: invocation.licenseActive === undefined ? undefined : invocation.licenseActive ? 'active' : 'inactive',
      });
      if (known.size >= MAX_CACHED) known.clear();
      known.set(invocation.installationId, { id: tenant.id, fingerprint: fp, at: Date.now() });
      return tenant.id;
    },
    /** Drops the cached id (the tenant was purged). */
    forget(installationId: string) {
      known.delete(installationId);
    },
  };
}
export type TenantService = ReturnType<typeof tenantService>;
