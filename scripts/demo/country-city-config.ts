// The sample configuration the demo (and the Forge tests) set up through the admin resolvers: a
// REST datasource, a "Country" field and a "City" field whose options depend on the country. The
// admin page creates both Jira fields (of the app's object field type); a fresh site numbers them
// customfield_10001 and customfield_10002, the configurations' keys.
export const COUNTRY_FIELD = 'customfield_10001';
export const CITY_FIELD = 'customfield_10002';

export type AdminCall = <T = Record<string, unknown>>(definition: string, payload: Record<string, unknown>) => Promise<T>;

export interface SampleConfig {
  datasource: { id: string; name: string };
  country: { id: string; key: string };
  city: { id: string; key: string; dependsOn: string[] };
}

export function sampleDatasource(baseUrl: string) {
  return { name: 'Sample REST service', type: 'rest', config: { baseUrl, testPath: '/health', auth: { mode: 'none' } }, cacheTtlSeconds: 300 };
}

export async function configureSampleTenant(admin: AdminCall, baseUrl: string): Promise<SampleConfig> {
  const datasource = await admin<SampleConfig['datasource']>('datasources/create', { datasource: sampleDatasource(baseUrl) });
  const country = await admin<SampleConfig['country']>('fields/create', {
    jiraField: { create: true },
    field: {
      name: 'Country',
      datasourceId: datasource.id,
      editor: 'select',
      storage: 'object',
      query: 'GET /countries',
      resultPath: '$.countries[*]',
      idTemplate: '${row.code}',
      displayTemplate: '${row.name}',
    },
  });
  const city = await admin<SampleConfig['city']>('fields/create', {
    jiraField: { create: true },
    field: {
      name: 'City',
      datasourceId: datasource.id,
      editor: 'select',
      storage: 'object',
      query: `GET /cities?country=$issue.${country.key}.id`,
      resultPath: '$.cities[*]',
      idTemplate: '${row.id}',
      displayTemplate: '${row.name}',
    },
  });
  if (country.key !== COUNTRY_FIELD || city.key !== CITY_FIELD) throw new Error(`The site numbered the fields ${country.key} and ${city.key}, not as on a fresh site`);
  return { datasource, country, city };
}
