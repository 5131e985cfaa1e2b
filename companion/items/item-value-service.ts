// Values of connected items per issue. A value is accepted only if its id is among the item's
// options for that issue (computed like the edit UI's, through the cache); the stored value and
// attributes come from the option and its row, not from the caller.
import type { Companion } from '../companion.js';
import type { IssueItems, IssueItemsUpdate } from '../contract/item.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { purgeDateFrom } from '../clock.js';
import { notFound, unprocessable } from '../errors.js';
import { itemRepository } from './item-repository.js';
import { itemValueRepository } from './item-value-repository.js';
import { readStoredValues } from '../connected/stored-item-values.js';
import { chosenValues, itemOptions } from './item-options.js';

export function itemValueService(companion: Companion) {
  const { db, clock } = companion;

  async function read(tenantId: string, issueId: string): Promise<IssueItems> {
    const rows = await itemValueRepository(db).forIssue(tenantId, issueId);
    return { items: rows.map((r) => ({ itemId: r.itemId, key: r.item.key, values: readStoredValues(r.values) })) };
  }

  return {
    read,

    async write(caller: CallerContext, issueId: string, body: IssueItemsUpdate): Promise<IssueItems> {
      const tenantId = caller.tenantId;
      const context = { ...body.context, issue: { ...body.context?.issue, id: issueId } };
      const planned: Array<{ itemId: string; values: ReturnType<typeof chosenValues>['values'] }> = [];
      const seen = new Set<string>();
      // Everything is checked before anything is written: one bad value refuses the whole request.
      for (const entry of body.items) {
        const item = await itemRepository(db).findByIdOrKey(tenantId, entry.itemId);
        if (!item) throw notFound(`Item ${entry.itemId}`);
        if (seen.has(item.id)) throw unprocessable(`${item.key} is listed twice`, 'duplicate_item');
        seen.add(item.id);
        const ids = [...new Set(entry.values.map((v) => v.id))];
        if (ids.length > 0 && item.editor === 'readonly') throw unprocessable(`${item.key} is read-only`, 'item_read_only');
        if (ids.length > 1 && item.editor === 'select') throw unprocessable(`${item.key} takes one value`, 'too_many_values');
        if (ids.length === 0) {
          planned.push({ itemId: item.id, values: [] });
          continue;
        }
        const options = await itemOptions(companion, tenantId, caller, item, context, undefined, true);
        const { values, unknown } = chosenValues(item, options, ids);
        if (unknown.length > 0) throw unprocessable(`${item.key}: not among the item's options for this issue: ${unknown.slice(0, 5).join(', ')}`, 'value_not_an_option');
        planned.push({ itemId: item.id, values });
      }
      await db.$transaction(async (tx) => {
        const repo = itemValueRepository(tx);
        for (const p of planned) {
          if (p.values.length === 0) await repo.clear(tenantId, issueId, p.itemId);
          else await repo.set(tenantId, issueId, p.itemId, p.values);
        }
      });
      return read(tenantId, issueId);
    },

    /** The issue was deleted: its values are kept 30 days more, then purged. */
    async issueDeleted(tenantId: string, issueId: string): Promise<number> {
      const now = clock.now();
      const { count } = await itemValueRepository(db).softDeleteIssue(tenantId, issueId, now, purgeDateFrom(now));
      return count;
    },
  };
}
