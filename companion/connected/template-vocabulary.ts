// What a tenant's templates may name (issue 11's template check): its connected fields' keys and its
// connected items with their attribute names. Read when a configuration is saved or tested, never
// on the runtime path. Here, below fields/ and items/, so that each reads it downward.
import type { DbTx } from '../db/prisma.js';
import type { TemplateVocabulary, TemplateWarning } from '../templates/template-check.js';
import { checkQueryTemplate, checkRowTemplate } from '../templates/template-check.js';

export async function loadTemplateVocabulary(db: DbTx, tenantId: string): Promise<TemplateVocabulary> {
  const [fields, items] = await Promise.all([
    db.field.findMany({ where: { tenantId, deletedAt: null }, select: { key: true } }),
    db.item.findMany({ where: { tenantId, deletedAt: null }, select: { key: true, attributes: true } }),
  ]);
  return {
    fields: new Set(fields.map((f) => f.key)),
    items: new Map(items.map((i) => [i.key, Object.keys((i.attributes ?? {}) as Record<string, unknown>)])),
  };
}

/** The templates of a field or item configuration as the check sees them. */
export interface CheckedConfig {
  key: string;
  editor: string;
  query?: string | null | undefined;
  idTemplate?: string | null | undefined;
  displayTemplate?: string | null | undefined;
  attributes?: Record<string, string> | undefined;
}

/**
 * Every warning of a configuration's templates. The configuration itself counts as known (a query
 * may not name itself, but its attributes are what other templates see).
 */
export function configWarnings(config: CheckedConfig, vocab: TemplateVocabulary): TemplateWarning[] {
  const fields = new Set(vocab.fields);
  const items = new Map(vocab.items);
  if (config.key.startsWith('customfield_')) fields.add(config.key);
  else items.set(config.key, Object.keys(config.attributes ?? {}));
  const readonly = config.editor === 'readonly';
  return [
    ...checkQueryTemplate(config.query ?? '', { fields, items }),
    ...checkRowTemplate('idTemplate', config.idTemplate ?? '', readonly),
    ...checkRowTemplate('displayTemplate', config.displayTemplate ?? '', readonly),
    // Attributes are rendered from the chosen option's row, read-only items included.
    ...Object.entries(config.attributes ?? {}).flatMap(([name, t]) => checkRowTemplate(`attributes.${name}`, t, false)),
  ];
}

export async function templateWarnings(db: DbTx, tenantId: string, config: CheckedConfig): Promise<TemplateWarning[]> {
  return configWarnings(config, await loadTemplateVocabulary(db, tenantId));
}
