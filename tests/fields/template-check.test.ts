// The template check on save (issue 11): every reference that cannot resolve and every Elements
// Connect construct open-connect does not support is named with its line, as a warning on the
// create/update answer; a template that does not parse is refused (400 invalid_template) naming where.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

describe('template check on save', () => {
  let c: TestCompanion;
  let dsId: string;
  const field = (key: string, body: Record<string, unknown>) =>
    c.call('POST', '/v1/admin/fields', { body: { key, name: key, datasourceId: dsId, editor: 'select', storage: 'object', query: '/x', ...body } });

  beforeAll(async () => {
    c = await startTestCompanion('embedded');
    dsId = (await c.call('POST', '/v1/admin/datasources', { body: { name: 'Static', type: 'static', config: { format: 'json', data: '[{"id":"1","name":"One"}]' } } })).json().id;
    const item = await c.call('POST', '/v1/admin/items', {
      body: { key: 'connected_item_10000', name: 'Printer', datasourceId: dsId, editor: 'select', query: '', attributes: { office: '${row.office}' } },
    });
    expect(item.statusCode, item.body).toBe(201);
    expect(item.json().warnings).toEqual([]);
    expect((await field('customfield_62000', {})).statusCode).toBe(201);
  });
  afterAll(async () => {
    await c?.close();
  });

  it('names each unresolvable reference and unsupported Elements construct with its line', async () => {
    const query = [
      '#set($cat = $issue.connected_item_10000.office)', // known item, known attribute
      '/printers?office=$cat&floor=$issue.connected_item_10000.flor', // misspelt attribute
      '&other=$issue.connected_item_10404&parent=$issue.customfield_62000.valeu', // unknown item; misspelt part
      '&who=$currentUser.emailAdress&dc=$currentUser.name&mail=$currentUser.emailAddress', // misspelt; DC property; fine
      '#if($issue.reporter)&r=1#end&p=$issue.project.name&t=$issue.issueType.id&native=$issue.customfield_10999', // Elements-only; not in context; fine; not connected
      '&typo=$issu.key&q=$userInput&$!quiet',
    ].join('\n');
    const res = await field('customfield_62001', { query, displayTemplate: '${row.name} {code} $issue.key', idTemplate: '${data.id}' });
    expect(res.statusCode, res.body).toBe(201);
    const seen = (res.json().warnings as Array<{ template: string; line: number; reference: string }>).map((w) => `${w.template}:${w.line}:${w.reference}`);
    expect(seen).toEqual([
      'query:2:$issue.connected_item_10000.flor',
      'query:3:$issue.connected_item_10404',
      'query:3:$issue.customfield_62000.valeu',
      'query:4:$currentUser.emailAdress',
      'query:4:$currentUser.name',
      'query:5:$issue.reporter',
      'query:5:$issue.project.name',
      'query:5:$issue.customfield_10999',
      'query:6:$issu.key',
      'query:6:$!quiet',
      'idTemplate:1:$data.id',
      'displayTemplate:1:$issue.key',
      'displayTemplate:1:{code}',
    ]);
    const messages = res.json().warnings.map((w: { message: string }) => w.message).join('\n');
    expect(messages).toContain('has no attribute flor (it has id, value, ids, values, office)');
    expect(messages).toContain('There is no connected item connected_item_10404 in this installation');
    expect(messages).toContain('Jira Data Center user property');
    expect(messages).toContain("Elements Connect's $issue.reporter is not available");
    expect(messages).toContain('write ${row.code}');
    // Warnings never refuse: the field is stored as sent.
    expect((await c.call('GET', `/v1/admin/fields/${res.json().id}`)).json().query).toBe(query);
  });

  it('gives no warning for a read-only field using ${data.*}, nor for what the vocabulary has', async () => {
    const res = await field('customfield_62002', {
      editor: 'readonly',
      storage: 'snapshot',
      query: '## comment\n#foreach($k in [1])$k#end/p?k=$issue.key&p=$issue.project.key&c=$issue.customfield_62000.id&u=$currentUser.timeZone&i=$issue.connected_item_10000.values',
      displayTemplate: '#foreach($r in $resultSet)${r.name}#end ${data.total} ${row.name}',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().warnings).toEqual([]);
    // An update answers with the warnings of what it stored.
    const updated = await c.call('PUT', `/v1/admin/fields/${res.json().id}`, {
      body: { key: 'customfield_62002', name: 'x', datasourceId: dsId, editor: 'readonly', storage: 'snapshot', query: '/p?u=$currentUser.locle', version: res.json().version },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().warnings).toMatchObject([{ template: 'query', line: 1, reference: '$currentUser.locle' }]);
  });

  it('warns on item templates too: an attribute template sees only $row', async () => {
    const res = await c.call('POST', '/v1/admin/items', {
      body: { key: 'connected_item_10001', name: 'Desk', datasourceId: dsId, editor: 'select', query: '/d?p=$issue.connected_item_10000.office', attributes: { floor: '${row.floor}\n$issue.key' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().warnings).toMatchObject([{ template: 'attributes.floor', line: 2, reference: '$issue.key' }]);
  });

  it('refuses a template that does not parse, naming the line, and names FreeMarker directives', async () => {
    const broken = await field('customfield_62003', { query: '/a\n#if($x\n/b' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toMatchObject({ code: 'invalid_template', details: [{ path: '/query' }] });
    expect(broken.json().error.message).toMatch(/line 3: .*Expecting/);
    expect(await c.app.companion.db.field.count({ where: { key: 'customfield_62003' } })).toBe(0);
    // FreeMarker (Elements Connect Cloud's item templates) parses as Velocity text: named, not refused.
    const freemarker = await field('customfield_62004', { displayTemplate: '${row.id}\n<#list data as d>${d.name}</#list>' });
    expect(freemarker.statusCode).toBe(201);
    expect(freemarker.json().warnings).toEqual(expect.arrayContaining([expect.objectContaining({ line: 2, reference: '<#list data as d>', message: expect.stringMatching(/FreeMarker/) })]));
  });
});
