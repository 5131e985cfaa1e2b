// Query templates: Velocity rendered with each reference encoded for where it goes (bound SQL
// parameter, URL component, JSON string), dependency references, and the template variables.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderTemplate } from '../../companion/templates/render-template.js';
import { mapOptions } from '../../companion/connectors/row-mapping.js';
import { extractReferences, templateError } from '../../companion/templates/template-references.js';
import { buildTemplateVariables } from '../../companion/templates/template-variables.js';

const vars = (input: string, fields: Record<string, unknown> = {}) =>
  buildTemplateVariables({ issue: { id: '10001', key: 'ACME-7', projectKey: 'ACME', fields }, user: { accountId: 'acc-1' } }, input, {}) as unknown as Record<string, unknown>;

describe('SQL rendering', () => {
  it('never puts a value into the text, whatever it is (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom<'sql-pg' | 'sql-mysql'>('sql-pg', 'sql-mysql'), (input, mode) => {
        const query = "SELECT * FROM t WHERE a = '$userInput' AND b = $userInput AND c LIKE '%${userInput}%' AND d = $issue.key";
        const out = renderTemplate(query, vars(input), mode);
        expect(out.params).toEqual([input, input, input, 'ACME-7']);
        // The text is the same skeleton for every input: only placeholders, never the value.
        expect(out.text).toBe(
          mode === 'sql-pg'
            ? "SELECT * FROM t WHERE a = $1 AND b = $2 AND c LIKE ('%' || $3::text || '%') AND d = $4"
            : "SELECT * FROM t WHERE a = ? AND b = ? AND c LIKE CONCAT('%', ?, '%') AND d = ?",
        );
      }),
    );
  });

  it('numbers pg placeholders in text order, also inside #foreach and #if', () => {
    const out = renderTemplate('SELECT 1 WHERE x IN (#foreach($v in $issue.customfield_1.ids)$v#if($foreach.hasNext), #end#end) #if($userInput != "")AND y = $userInput#end', vars('q', { customfield_1: { ids: ['a', 'b', 'c'], values: ['A', 'B', 'C'] } }), 'sql-pg');
    expect(out).toEqual({ text: 'SELECT 1 WHERE x IN ($1, $2, $3) AND y = $4', params: ['a', 'b', 'c', 'q'] });
  });

  it('keeps quoted literals without references as they are, escaped quotes included', () => {
    const out = renderTemplate("SELECT 'it''s', '$userInput', 'x$issue.key''y' FROM t", vars('v'), 'sql-mysql');
    expect(out).toEqual({ text: "SELECT 'it''s', ?, CONCAT('x', ?, '''y') FROM t", params: ['v', 'ACME-7'] });
  });

  it('understands MySQL double quotes and backslash escapes; in PostgreSQL double quotes stay identifiers', () => {
    expect(renderTemplate(`SELECT "$userInput", 'it\\'s $issue.key' FROM t`, vars('v'), 'sql-mysql')).toEqual({
      text: `SELECT ?, CONCAT('it\\'s ', ?) FROM t`,
      params: ['v', 'ACME-7'],
    });
    expect(renderTemplate(`SELECT "name" FROM t WHERE a = '$userInput'`, vars('v'), 'sql-pg')).toEqual({ text: 'SELECT "name" FROM t WHERE a = $1', params: ['v'] });
  });

  it('binds interpolated strings as whole values, keeps #define text, and refuses #eval', () => {
    const v = vars('1 OR 1=1');
    expect(renderTemplate('#set($x = "abc $userInput")SELECT $x', v, 'sql-pg')).toEqual({ text: 'SELECT $1', params: ['abc 1 OR 1=1'] });
    expect(renderTemplate('#define($w)WHERE a = $userInput#end SELECT 1 $w AND b = $issue.key', v, 'sql-pg')).toEqual({
      text: ' SELECT 1 WHERE a = $1 AND b = $2',
      params: ['1 OR 1=1', 'ACME-7'],
    });
    for (const mode of ['sql-pg', 'sql-mysql', 'url', 'json'] as const) {
      expect(() => renderTemplate('SELECT #eval($userInput)', v, mode)).toThrow(/#eval is not allowed/);
    }
  });

  it('binds a missing value as NULL rather than the reference text', () => {
    expect(renderTemplate('SELECT $issue.customfield_9', vars(''), 'sql-pg')).toEqual({ text: 'SELECT $1', params: [null] });
  });
});

describe('URL and JSON rendering', () => {
  it('URL-encodes each printed value and never lets it climb the path', () => {
    expect(renderTemplate('/x/$userInput?q=$userInput', vars('a/b?c&d'), 'url').text).toBe('/x/a%2Fb%3Fc%26d?q=a%2Fb%3Fc%26d');
    expect(renderTemplate('/x/$userInput', vars('..'), 'url').text).toBe('/x/%2E%2E');
  });
  it('escapes values inside JSON strings', () => {
    const text = renderTemplate('{"name": "$userInput"}', vars('a"b\\c\n'), 'json').text;
    expect(JSON.parse(text)).toEqual({ name: 'a"b\\c\n' });
  });
  it('renders row templates as plain text', () => {
    expect(renderTemplate('${row.name} (${row.code})', { row: { name: 'Acme', code: 'C-1' } }).text).toBe('Acme (C-1)');
  });
  it('reports a template that cannot be parsed as 422', () => {
    expect(() => renderTemplate('#if($x', {}, 'text')).toThrow(expect.objectContaining({ statusCode: 422, code: 'template_error' }));
  });
});

describe('template variables', () => {
  it('exposes object field parts, multi values and snapshots, and prints object fields as their value', () => {
    const v = vars('typed', { customfield_1: { id: '42', value: 'Acme Ltd' }, customfield_2: { ids: ['1', '2'], values: ['A', 'B'] }, customfield_3: 'Snapshot' });
    expect(renderTemplate('$issue.customfield_1|$issue.customfield_1.id|$issue.customfield_1.value|$issue.customfield_2.ids|$issue.customfield_3|$currentUser.accountId|$userInput|$issue.projectKey', v).text).toBe(
      'Acme Ltd|42|Acme Ltd|1, 2|Snapshot|acc-1|typed|ACME',
    );
  });
  it('lets explicit values win over the request context', () => {
    const v = buildTemplateVariables({ issue: { fields: { customfield_1: 'old' } } }, undefined, { customfield_1: 'new' });
    expect(v.issue.customfield_1).toBe('new');
    expect(v.userInput).toBe('');
  });
});

describe('dependency references', () => {
  it('finds connected fields and items wherever they are referenced', () => {
    const refs = extractReferences('SELECT $issue.customfield_10050.id, ${issue.customfield_10051} #if($issue.connected_item_3.value == "x")$!issue.customfield_7.values#end $issue.key $issue.summary');
    expect(refs.sort()).toEqual(['connected_item_3', 'customfield_10050', 'customfield_10051', 'customfield_7']);
  });
  it('still finds references in a template that does not parse, and reports the parse error', () => {
    expect(extractReferences('#if($issue.customfield_1')).toEqual(['customfield_1']);
    expect(templateError('#if($issue.customfield_1')).toMatch(/Parse error/);
    expect(templateError('$issue.key')).toBeNull();
  });
});

describe('rendering shortcuts', () => {
  it('maps rows with a one-property template exactly as Velocity renders it (property)', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }));
    const row = fc.oneof(fc.record({ id: value, name: value }, { requiredKeys: [] }), fc.string(), fc.integer(), fc.constant(null), fc.array(value, { maxLength: 2 }));
    // Rows as an upstream's parsed JSON gives them.
    const rowsOf = fc.array(row, { maxLength: 5 }).map((rows) => JSON.parse(JSON.stringify(rows)) as unknown[]);
    const template = fc.constantFrom('${row.id}', '$row.name', '$!{row.id}', '$!row.name', '${row.length}', '${row.missing}', '${row.id} ', '#if($row.id)x#end');
    fc.assert(
      fc.property(rowsOf, template, template, (rows, idTemplate, displayTemplate) => {
        const byVelocity = rows.map((r) => ({ id: renderTemplate(idTemplate, { row: r }).text.trim(), value: renderTemplate(displayTemplate, { row: r }).text.trim() }));
        expect(mapOptions(rows, idTemplate, displayTemplate)).toEqual(byVelocity);
      }),
    );
  });

  it('renders a template without references or directives as its own text, in every mode', () => {
    for (const mode of ['text', 'url', 'json', 'sql-pg', 'sql-mysql'] as const) {
      for (const template of ['/customers', 'SELECT id, name FROM customers WHERE active', "SELECT 'a''b' AS x", '']) {
        expect(renderTemplate(template, {}, mode)).toEqual({ text: template, params: [] });
      }
    }
  });
});
