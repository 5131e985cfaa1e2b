import type { DbTx } from '../db/prisma.js';

export interface TenantFacts {
  installationId: string;
  cloudId?: string | undefined;
  apiBaseUrl?: string | undefined;
  environment?: string | undefined;
  licenseState?: string | undefined;
}

export function tenantRepository(db: DbTx) {
  return {
    /** Creates the tenant on first use; refreshes what the token says about it. */
    upsert(facts: TenantFacts) {
      const data = {
        cloudId: facts.cloudId ?? null,
        apiBaseUrl: facts.apiBaseUrl ?? null,
        environment: facts.environment ?? null,
        licenseState: facts.licenseState ?? null,
      };
      return db.tenant.upsert({
        where: { installationId: facts.installationId },
        create: { installationId: facts.installationId, ...data },
        update: data,
        select: { id: true, installationId: true, purgeAt: true },
      });
    },
    markInstalled(id: string, at: Date) {
      return db.tenant.update({ where: { id }, data: { installedAt: at, uninstalledAt: null, purgeAt: null } });
    },
    markUninstalled(id: string, at: Date, purgeAt: Date) {
      return db.tenant.update({ where: { id }, data: { uninstalledAt: at, purgeAt } });
    },
    findById(id: string) {
      return db.tenant.findUnique({ where: { id } });
    },
  };
}
