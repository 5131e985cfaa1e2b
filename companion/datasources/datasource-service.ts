// Datasource use cases: validation per type, optimistic concurrency, secrets, soft delete, audit.
import { randomUUID } from 'node:crypto';
import { Value } from 'typebox/value';
import type { Db } from '../db/prisma.js';
import type { Clock } from '../clock.js';
import { purgeDateFrom } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { CONFIG_SCHEMAS, type Datasource, type DatasourceInput, type DatasourceUpdate } from '../contract/datasource.js';
import { assertSecretsStay, keptCredentialHeaders, secretsKept, withKeptHeaders } from './secret-placement.js';
import { badRequest, conflict, notFound, staleVersion } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { idCursorPage } from '../db/id-cursor.js';
import { datasourceRepository, type DatasourceRow } from './datasource-repository.js';
import { datasourceForUse, type DatasourceForUse } from './datasource-for-use.js';
import {
  credentialHeaderNames,
  mergeSecrets,
  namedSecrets,
  readStoredSecrets,
  sealCredentialHeaders,
  secretAad,
  secretFlags,
  splitCredentialHeaders,
} from './datasource-secrets.js';

export const DEFAULT_CACHE_TTL_SECONDS = 300;
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface Actor {
  tenantId: string;
  accountId: string | null;
}

export function toDatasourceView(row: DatasourceRow): Datasource {
  // Credential headers are write-only: only their names show, as secret flags. (The stored config has
  // none, but a row written before they were encrypted may still hold them in plain text.)
  const { config } = splitCredentialHeaders(row.config);
  return {
    id: row.id,
    name: row.name,
    type: row.type as Datasource['type'],
    config,
    secrets: secretFlags(row),
    cacheTtlSeconds: row.cacheTtlSeconds,
    timeoutMs: row.timeoutMs,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function checkConfig(type: Datasource['type'], config: Record<string, unknown>): void {
  const schema = CONFIG_SCHEMAS[type];
  const first = Value.Errors(schema, config)[0];
  if (first) {
    const where = first.instancePath ? `config${first.instancePath.replaceAll('/', '.')}` : 'config';
    throw badRequest(`Invalid ${type} datasource: ${where} ${first.message}`, 'validation_failed');
  }
}

export function datasourceService(db: Db, box: SecretBox, clock: Clock) {
  const repo = datasourceRepository(db);
  const audit = (actor: Actor, action: string, id: string, before: Datasource | null, after: Datasource | null) =>
    recordAudit(db, { tenantId: actor.tenantId, actor: actor.accountId, action, entityType: 'datasource', entityId: id, before, after });

  async function mustFind(tenantId: string, id: string) {
    const row = await repo.find(tenantId, id);
    if (!row) throw notFound('Datasource');
    return row;
  }

  return {
    async list(tenantId: string, limit: number, cursor: string | undefined) {
      const { page, nextCursor } = idCursorPage(await repo.list(tenantId, limit, cursor), limit);
      return { datasources: page.map(toDatasourceView), nextCursor };
    },

    async get(tenantId: string, id: string) {
      return toDatasourceView(await mustFind(tenantId, id));
    },

    async create(actor: Actor, input: DatasourceInput) {
      const config = input.config ?? {};
      checkConfig(input.type, config);
      const id = randomUUID();
      const aad = (n: string) => secretAad(actor.tenantId, id, n);
      const headers = sealCredentialHeaders(box, aad, null, config, []);
      const secrets = { ...mergeSecrets(box, aad, {}, input.secrets), ...headers.secrets };
      const row = await repo.create({
        id,
        tenantId: actor.tenantId,
        name: input.name,
        type: input.type,
        config: headers.config as object,
        secrets: secrets as object,
        cacheTtlSeconds: input.cacheTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS,
        timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
      const view = toDatasourceView(row);
      await audit(actor, 'datasource.created', id, null, view);
      return view;
    },

    async update(actor: Actor, id: string, input: DatasourceUpdate) {
      const current = await mustFind(actor.tenantId, id);
      if (current.version !== input.version) throw staleVersion('Datasource');
      if (input.type !== current.type) throw conflict('A datasource type cannot change; create a new datasource', 'immutable_type');
      const config = input.config ?? {};
      const kept = keptCredentialHeaders(credentialHeaderNames(current), config, Object.keys(input.secrets?.headers ?? {}));
      checkConfig(input.type, withKeptHeaders(config, kept));
      const stored = readStoredSecrets(current.secrets);
      const keptNamed = Object.keys(namedSecrets(stored));
      assertSecretsStay(`Datasource "${current.name}"`, input.type, current.config, config, secretsKept(keptNamed, input.secrets, kept), 'put');
      const aad = (n: string) => secretAad(actor.tenantId, id, n);
      // Written, credential headers of a row from before (plain in its config) are encrypted too.
      const headers = sealCredentialHeaders(box, aad, current, config, kept);
      const secrets = { ...mergeSecrets(box, aad, stored, input.secrets), ...headers.secrets };
      const count = await repo.updateVersion(actor.tenantId, id, input.version, {
        name: input.name,
        config: headers.config as object,
        secrets: secrets as object,
        cacheTtlSeconds: input.cacheTtlSeconds ?? current.cacheTtlSeconds,
        timeoutMs: input.timeoutMs ?? current.timeoutMs,
      });
      if (count === 0) throw staleVersion('Datasource');
      const after = toDatasourceView(await mustFind(actor.tenantId, id));
      await audit(actor, 'datasource.updated', id, toDatasourceView(current), after);
      return after;
    },

    async remove(actor: Actor, id: string) {
      const current = await mustFind(actor.tenantId, id);
      const [fields, items] = await repo.usedBy(actor.tenantId, id);
      if (fields.length + items.length > 0) {
        const users = [...fields, ...items].map((f) => f.key).join(', ');
        throw conflict(`The datasource is used by ${users}; change or delete those first`, 'datasource_in_use');
      }
      const now = clock.now();
      await repo.softDelete(actor.tenantId, id, now, purgeDateFrom(now));
      await audit(actor, 'datasource.deleted', id, toDatasourceView(current), null);
    },

    /** For connectors only: the row and its decrypted secrets. */
    async forUse(tenantId: string, id: string): Promise<DatasourceForUse> {
      return datasourceForUse(box, await mustFind(tenantId, id));
    },
  };
}
export type DatasourceService = ReturnType<typeof datasourceService>;
