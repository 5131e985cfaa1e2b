// What a tenant needs before a route can be called validly: created through the API (never written
// to the database behind the companion's back), once per tenant, on first use.
import { expect } from 'vitest';
import type { Caller, Tenant } from './proof-client.js';

/** Rows a static datasource serves: no network needed for options, recalculate or preview. */
export const STATIC_ROWS = [
  { code: 'ACME', name: 'Acme Ltd', tier: 'gold' },
  { code: 'GLOBX', name: 'Globex', tier: 'silver' },
  { code: 'INIT', name: 'Initech', tier: 'bronze' },
];

export const staticDatasourceBody = (name = 'Customers') => ({
  name,
  type: 'static',
  config: { format: 'json', data: JSON.stringify(STATIC_ROWS) },
  cacheTtlSeconds: 300,
});

export const PARENT_FIELD = 'customfield_10050';
export const CHILD_FIELD = 'customfield_10051';
export const ISSUE_ID = '10100';

export const fieldBody = (datasourceId: string, key: string, query = '') => ({
  key,
  name: `Field ${key}`,
  datasourceId,
  editor: 'select',
  storage: 'object',
  query,
  idTemplate: '${row.code}',
  displayTemplate: '${row.name}',
});

export const itemBody = (datasourceId: string, key = 'connected_item_1') => ({
  key,
  name: 'Customer',
  datasourceId,
  editor: 'select',
  idTemplate: '${row.code}',
  displayTemplate: '${row.name}',
  attributes: { tier: '${row.tier}' },
});

type Json = Record<string, unknown>;

export class TenantFixtures {
  private readonly made = new Map<string, Promise<Json>>();
  private serial = 0;

  /** The same installation as the platform delivers to it: the issue-deleted trigger, lifecycle, preUninstall. */
  readonly trigger: Tenant;
  readonly lifecycle: Tenant;
  readonly uninstall: Tenant;

  constructor(
    readonly tenant: Tenant,
    others: Partial<Record<Caller, Tenant>> = {},
  ) {
    this.trigger = others.trigger ?? tenant;
    this.lifecycle = others.lifecycle ?? tenant;
    this.uninstall = others.uninstall ?? tenant;
  }

  private once(name: string, make: () => Promise<Json>) {
    let p = this.made.get(name);
    if (!p) {
      p = make();
      this.made.set(name, p);
    }
    return p;
  }

  async create(path: string, body: unknown): Promise<Json> {
    const res = await this.tenant.send('POST', path, { body });
    expect(res.statusCode, `${path}: ${res.body}`).toBe(201);
    return res.json();
  }

  async read(path: string): Promise<Json> {
    const res = await this.tenant.send('GET', path);
    expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
    return res.json();
  }

  /** The tenant's shared static datasource. */
  datasource() {
    return this.once('datasource', () => this.create('/v1/admin/datasources', staticDatasourceBody()));
  }

  /** A datasource of its own (for routes that delete or change what they are given). */
  async freshDatasource() {
    this.serial += 1;
    return this.create('/v1/admin/datasources', staticDatasourceBody(`Throwaway ${this.serial}`));
  }

  /** customfield_10050 on the static datasource. */
  field() {
    return this.once('field', async () => this.create('/v1/admin/fields', fieldBody(String((await this.datasource()).id), PARENT_FIELD)));
  }

  /** customfield_10051, whose query names customfield_10050: a dependency for recalculate. */
  childField() {
    return this.once('childField', async () => {
      await this.field();
      return this.create('/v1/admin/fields', fieldBody(String((await this.datasource()).id), CHILD_FIELD, `$issue.${PARENT_FIELD}.id`));
    });
  }

  async freshField() {
    this.serial += 1;
    return this.create('/v1/admin/fields', fieldBody(String((await this.datasource()).id), `customfield_${20000 + this.serial}`));
  }

  item() {
    return this.once('item', async () => this.create('/v1/admin/items', itemBody(String((await this.datasource()).id))));
  }

  async freshItem() {
    this.serial += 1;
    return this.create('/v1/admin/items', itemBody(String((await this.datasource()).id), `connected_item_${100 + this.serial}`));
  }

  /** A mapping of the item to project 10000 / issue type 10001, saved once. */
  mappings() {
    return this.once('mappings', async () => {
      const item = await this.item();
      const current = await this.read('/v1/admin/mappings');
      const res = await this.tenant.send('PUT', '/v1/admin/mappings', {
        body: { version: current.version, mappings: [{ itemId: item.id, projectId: '10000', issueTypeIds: ['10001'], requestTypeIds: [], hidden: false }] },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    });
  }

  /** Connected item values on issue 10100: the item's option ACME chosen. */
  issueValues() {
    return this.once('issueValues', async () => {
      const item = await this.item();
      const res = await this.tenant.send('PUT', `/v1/issues/${ISSUE_ID}/items`, { body: { items: [{ itemId: item.id, values: [{ id: 'ACME' }] }] } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    });
  }

  /** Everything above, so that lists, exports and reports have something in them. */
  async everything() {
    await this.childField();
    await this.mappings();
    await this.issueValues();
  }
}
