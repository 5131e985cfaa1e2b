// A datasource as the connectors use it: its row and its decrypted secrets. A type of its own so that
// connectors (below the datasource service) need not import the service.
import type { SecretBox } from '../crypto/secret-box.js';
import type { DatasourceRow } from './datasource-repository.js';
import { decryptSecrets, secretAad, type PlainSecrets } from './datasource-secrets.js';

/** A datasource ready for a connector. Never serialise it: it holds decrypted secrets. */
export interface DatasourceForUse {
  /** The row, its `config.headers` with the credential headers decrypted back in (they are stored encrypted). */
  row: DatasourceRow;
  secrets: PlainSecrets;
}

/**
 * Decrypts a row's secrets for use (422 `secrets_unreadable` when one cannot be read). Credential
 * headers go back where the REST connector has always read them, `config.headers`, so it sends them
 * as it did and still treats them as credentials (not carried to another origin by a redirect).
 */
export function datasourceForUse(box: SecretBox, row: DatasourceRow): DatasourceForUse {
  const { config, secrets } = decryptSecrets(box, (n) => secretAad(row.tenantId, row.id, n), row);
  return { row: config === row.config ? row : { ...row, config: config as DatasourceRow['config'] }, secrets };
}
