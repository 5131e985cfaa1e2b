// The mapping document (items ↔ projects, issue types, JSM request types): read whole, replaced
// whole with the version that was read. Only items of the same tenant may be mapped.
import type { Db } from '../db/prisma.js';
import type { Mapping, MappingsDocument, MappingsUpdate } from '../contract/mapping.js';
import { badRequest, staleVersion, unprocessable } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { itemRepository } from '../items/item-repository.js';
import { mappingRepository } from './mapping-repository.js';

export interface Actor {
  tenantId: string;
  accountId: string | null;
}

function normalise(input: MappingsUpdate['mappings']): Mapping[] {
  const seen = new Set<string>();
  return input.map((m, i) => {
    const pair = `${m.itemId}/${m.projectId}`;
    if (seen.has(pair)) throw badRequest(`mappings[${i}]: item ${m.itemId} is mapped to project ${m.projectId} twice`, 'validation_failed');
    seen.add(pair);
    return {
      itemId: m.itemId,
      projectId: m.projectId,
      issueTypeIds: [...new Set(m.issueTypeIds ?? [])],
      requestTypeIds: [...new Set(m.requestTypeIds ?? [])],
      hidden: m.hidden ?? false,
    };
  });
}

export function mappingService(db: Db) {
  return {
    read(tenantId: string): Promise<MappingsDocument> {
      return mappingRepository(db).read(tenantId);
    },

    async replace(actor: Actor, input: MappingsUpdate): Promise<MappingsDocument> {
      const mappings = normalise(input.mappings);
      const itemIds = [...new Set(mappings.map((m) => m.itemId))];
      const known = new Set((await itemRepository(db).findMany(actor.tenantId, itemIds)).map((i) => i.id));
      const unknown = itemIds.filter((id) => !known.has(id));
      if (unknown.length > 0) throw unprocessable(`Unknown items: ${unknown.slice(0, 5).join(', ')}`, 'unknown_item');
      return db.$transaction(async (tx) => {
        const repo = mappingRepository(tx);
        const before = await repo.read(actor.tenantId);
        if (!(await repo.claimVersion(actor.tenantId, input.version))) throw staleVersion('The mappings');
        await repo.replaceAll(actor.tenantId, mappings);
        const after = await repo.read(actor.tenantId);
        await recordAudit(tx, { tenantId: actor.tenantId, actor: actor.accountId, action: 'mappings.replaced', entityType: 'mappings', entityId: null, before, after });
        return after;
      });
    },
  };
}
