// Key rotation: re-encrypts every stored secret whose key id is not the current key's, so an old
// key can be retired, and encrypts the credential headers that rows written before they were
// encrypted still hold in plain text in their config (moving them into `secrets`). Safe to run while
// the companion serves (each row is rewritten only if it still holds the config and ciphertexts
// that were read) and safe to run twice (the second run finds nothing).
import type { Db } from '../db/prisma.js';
import type { SecretBox } from './secret-box.js';
import { readStoredSecrets, sealCredentialHeaders, secretAad, splitCredentialHeaders, type StoredSecrets } from '../datasources/datasource-secrets.js';

export interface ReencryptResult {
  /** Datasources rewritten. */
  datasources: number;
  /** Secrets now encrypted under the current key: re-encrypted ones and moved credential headers. */
  secrets: number;
  /** Of those, credential headers that were in plain text in a datasource's config. */
  headersMoved: number;
}

export async function reencryptSecrets(db: Db, box: SecretBox): Promise<ReencryptResult> {
  const result: ReencryptResult = { datasources: 0, secrets: 0, headersMoved: 0 };
  let after: string | undefined;
  for (;;) {
    const rows = await db.datasource.findMany({
      where: after ? { id: { gt: after } } : {},
      orderBy: { id: 'asc' },
      take: 200,
      select: { id: true, tenantId: true, config: true, secrets: true },
    });
    if (rows.length === 0) return result;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      const aad = (name: string) => secretAad(row.tenantId, row.id, name);
      const stored = readStoredSecrets(row.secrets);
      const next: StoredSecrets = { ...stored };
      let changed = 0;
      for (const [name, envelope] of Object.entries(stored)) {
        if (envelope.kid === box.currentKeyId) continue;
        next[name] = box.encrypt(box.decrypt(envelope, aad(name)), aad(name));
        changed += 1;
      }
      // A row from before: its plain credential headers become envelopes, its config keeps the others.
      const plain = splitCredentialHeaders(row.config);
      const legacy = Object.keys(plain.credentials);
      let config: object | undefined;
      if (legacy.length > 0) {
        const sealed = sealCredentialHeaders(box, aad, row, plain.config, legacy);
        for (const [name, envelope] of Object.entries(sealed.secrets)) if (!stored[name]) next[name] = envelope;
        config = sealed.config;
      }
      const moved = Object.keys(next).length - Object.keys(stored).length;
      if (changed === 0 && legacy.length === 0) continue;
      // Compare-and-set on the JSON read: a concurrent update wins and is handled by the next run.
      const { count } = await db.datasource.updateMany({
        where: { id: row.id, config: { equals: row.config as object }, secrets: { equals: row.secrets as object } },
        data: { secrets: next as object, ...(config ? { config } : {}) },
      });
      if (count === 1) {
        result.datasources += 1;
        result.secrets += changed + moved;
        result.headersMoved += moved;
      }
    }
  }
}
