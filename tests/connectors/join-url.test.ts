// How a REST datasource's base URL and a field's rendered query become the URL that is called.
import { describe, expect, it } from 'vitest';
import { joinUrl } from '../../companion/connectors/rest-connector.js';
import type { DatasourceForUse } from '../../companion/datasources/datasource-for-use.js';

const ds = { row: { name: 'CRM' }, secrets: {} } as unknown as DatasourceForUse;
const join = (base: string, path: string) => joinUrl(ds, base, path).href;

describe('joinUrl', () => {
  it('puts the path after the base path, with or without slashes', () => {
    expect(join('https://crm.example.com/api/', '/customers')).toBe('https://crm.example.com/api/customers');
    expect(join('https://crm.example.com/api', 'customers?q=a%20b')).toBe('https://crm.example.com/api/customers?q=a%20b');
    expect(join('https://crm.example.com/api', '')).toBe('https://crm.example.com/api');
  });

  it("keeps the base URL's own query parameters unless the query sets them", () => {
    expect(join('https://crm.example.com/api?version=2', '/customers?country=DE')).toBe('https://crm.example.com/api/customers?country=DE&version=2');
    expect(join('https://crm.example.com/api?version=2', '/customers?version=3')).toBe('https://crm.example.com/api/customers?version=3');
    expect(join('https://crm.example.com/api?version=2', '?q=x')).toBe('https://crm.example.com/api?q=x&version=2');
  });

  it('refuses a query that is a full URL or leaves the origin', () => {
    expect(() => join('https://crm.example.com/api', 'https://evil.example.com/x')).toThrow(/path, not a full URL/);
    expect(() => join('https://crm.example.com/api', '//evil.example.com/x')).toThrow(/path, not a full URL/);
  });
});
