// A datasource as the connectors use it: its row and its decrypted secrets. A type of its own so that
// connectors (below the datasource service) need not import the service.
import type { DatasourceRow } from './datasource-repository.js';
import type { PlainSecrets } from './datasource-secrets.js';

export interface DatasourceForUse {
  row: DatasourceRow;
  secrets: PlainSecrets;
}
