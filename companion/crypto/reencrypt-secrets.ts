// Key rotation: re-encrypts every stored secret whose key id is not the current key's, so an old
// key can be retired. Safe to run while the companion serves (each row is rewritten only if it
// still holds the ciphertexts that were read) and safe to run twice (the second run finds nothing).
import type { Db } from '../db/prisma.js';
import type { SecretBox } from './secret-box.js';
import { readStoredSecrets, secretAad, type StoredSecrets } from '../datasources/datasource-secrets.js';

export interface ReencryptResult {
  datasources: number;
  secrets: number;
}

export async function reencryptSecrets(db: Db, box: SecretBox): Promise<ReencryptResult> {
  const result: ReencryptResult = { datasources: 0, secrets: 0 };
  let after: string | undefined;
  for (;;) {
    const rows = await db.datasource.findMany({
      where: after ? { id: { gt: after } } : {},
      orderBy: { id: 'asc' },
      take: 200,
      select: { id: true, tenantId: true, secrets: true },
    });
    if (rows.length === 0) return result;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      const stored = readStoredSecrets(row.secrets);
      const next: StoredSecrets = { ...stored };
      let changed = 0;
      for (const [name, envelope] of Object.entries(stored)) {
        if (!envelope || envelope.kid === box.currentKeyId) continue;
        const aad = secretAad(row.tenantId, row.id, name);
        next[name as keyof StoredSecrets] = box.encrypt(box.decrypt(envelope, aad), aad);
        changed += 1;
      }
      if (changed === 0) continue;
      // Compare-and-set on the JSON read: a concurrent update wins and is re-encrypted next run.
      const { count } = await db.datasource.updateMany({
        where: { id: row.id, secrets: { equals: row.secrets as object } },
        data: { secrets: next as object },
      });
      if (count === 1) {
        result.datasources += 1;
        result.secrets += changed;
      }
    }
  }
}
