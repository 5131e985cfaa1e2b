// Audit lines: who (the token's principal), what, when, before/after. Callers pass views that were
// already stripped of secrets (datasources show only {"password": true}); `redactSecrets` makes sure.
import type { DbTx } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface AuditLine {
  tenantId: string;
  actor: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
}

const SECRET_KEYS = new Set(['secrets', 'password', 'token', 'apikey', 'clientsecret', 'authorization']);
// Custom REST headers are configuration, yet an admin may put a credential in one
// (`X-Api-Token: …`): any key that sounds like one is redacted too. URLs (`tokenUrl`) are not secrets.
const SECRET_LIKE = /(token|secret|password|passwd|api[-_]?key|authorization|cookie|credential)/i;
const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase()) || (SECRET_LIKE.test(key) && !/url$/i.test(key));

/** Replaces the value of any secret-looking key by `true` (set) / `false` (unset). */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (!isSecretKey(k)) return [k, redactSecrets(v)];
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          return [k, Object.fromEntries(Object.entries(v).map(([sk, sv]) => [sk, typeof sv === 'boolean' ? sv : sv != null]))];
        }
        return [k, typeof v === 'boolean' ? v : v != null];
      }),
    );
  }
  return value;
}

const json = (v: unknown) => (v == null ? undefined : (JSON.parse(JSON.stringify(redactSecrets(v))) as Prisma.InputJsonValue));

export function recordAudit(db: DbTx, line: AuditLine) {
  return db.auditEvent.create({
    data: {
      tenantId: line.tenantId,
      actor: line.actor,
      action: line.action,
      entityType: line.entityType,
      entityId: line.entityId,
      before: json(line.before),
      after: json(line.after),
    },
  });
}
