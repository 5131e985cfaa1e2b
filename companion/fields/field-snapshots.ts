// In-process copies of field configuration for the options route, looked up by id or by key
// (`customfield_10050`), kept right as config-snapshots.ts explains.
import type { Companion } from '../companion.js';
import { isUuid } from '../db/ids.js';
import { readStamp } from '../db/config-stamps.js';
import { ConfigSnapshots } from '../cache/config-snapshots.js';
import { runtimeCaches } from '../cache/runtime-caches.js';
import { fieldRepository, type FieldRow } from './field-repository.js';

const byCompanion = new WeakMap<Companion, ConfigSnapshots<FieldRow>>();

export function fieldSnapshots(companion: Companion): ConfigSnapshots<FieldRow> {
  let snapshots = byCompanion.get(companion);
  if (snapshots) return snapshots;
  const { db, clock } = companion;
  const repo = fieldRepository(db);
  snapshots = new ConfigSnapshots<FieldRow>(clock, {
    async load(tenantId, ref) {
      const row = await repo.findByRef(tenantId, ref);
      return row ? { value: row, stamp: { id: row.id, version: row.version, cacheGeneration: row.cacheGeneration } } : null;
    },
    stamp(tenantId, ref) {
      return readStamp(db, isUuid(ref) ? 'Field:id' : 'Field:key', tenantId, ref);
    },
  }, runtimeCaches(companion).changes);
  byCompanion.set(companion, snapshots);
  return snapshots;
}
