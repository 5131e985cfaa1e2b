// The object field type's formatter (what Jira shows in issue lists, JQL results and exports) and
// its validation, run as Jira expressions on every value shape: the REAL expression strings from
// manifest.yml, read through @forge/manifest, evaluated by the subset interpreter in
// support/jira-expression.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import manifestPackage from '@forge/manifest';
import { evaluateJiraExpression, JiraExpressionError, type JiraValue } from './support/jira-expression.js';

const { ProcessorBuilder, ValidationTypes } = manifestPackage;

interface FieldType {
  key: string;
  schema?: { properties: Record<string, { searchAlias?: string }> };
  view: { formatter?: { expression: string } };
  edit: { validation?: { expression: string } };
}

let objectType: FieldType;
beforeAll(async () => {
  const result = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).build().process('manifest.yml');
  const modules = (result.manifestObject?.typedContent as { modules: Record<string, FieldType[]> }).modules;
  objectType = modules['jira:customFieldType']!.find((m) => m.key === 'open-connect-object-field')!;
});

const format = (value: JiraValue) => evaluateJiraExpression(objectType.view.formatter!.expression, { value });
const valid = (value: JiraValue) => evaluateJiraExpression(objectType.edit.validation!.expression, { value });

describe('the object field type in Jira lists, JQL and exports', () => {
  it('shows the display value of every stored shape, and never fails', () => {
    expect(format(null)).toBe('');
    expect(format({ id: '42', value: 'Acme Ltd' })).toBe('Acme Ltd');
    expect(format({ ids: ['42', '7'], values: ['Acme Ltd', 'Globex'] })).toBe('Acme Ltd, Globex');
    expect(format({ ids: [], values: [] })).toBe('');
    // Missing parts: an id without its value shows the id; nothing known shows nothing.
    expect(format({ id: '42' })).toBe('42');
    expect(format({ ids: ['42', '7'] })).toBe('42, 7');
    expect(format({ values: ['Acme Ltd'] })).toBe('Acme Ltd');
    expect(format({ value: 'Acme Ltd' })).toBe('Acme Ltd');
    expect(format({ id: '42', value: null })).toBe('42');
    expect(format({})).toBe('');
  });

  it('validates a picked value and accepts an empty field', () => {
    expect(valid(null)).toBe(true);
    expect(valid({ id: '42', value: 'Acme Ltd' })).toBe(true);
    expect(valid({ ids: ['42'], values: ['Acme Ltd'] })).toBe(true);
    expect(valid({ value: 'typed by hand' })).toBe(false);
    expect(valid({})).toBe(false);
  });

  it('makes id and value searchable in JQL (Customer.ConnectedId = 42, Customer.ConnectedValue = "Acme Ltd")', () => {
    const aliases = Object.fromEntries(Object.entries(objectType.schema!.properties).map(([name, p]) => [name, p.searchAlias]));
    expect(aliases).toEqual({ id: 'ConnectedId', value: 'ConnectedValue', ids: 'ConnectedIds', values: 'ConnectedValues' });
  });

  it('is checked by an interpreter that refuses what it does not know', () => {
    expect(() => evaluateJiraExpression('value.value', { value: null })).toThrow(JiraExpressionError);
    expect(() => evaluateJiraExpression('value.values.map(v => v)', { value: { values: [] } })).toThrow(JiraExpressionError);
    expect(() => evaluateJiraExpression("value ? 'a' : 'b'", { value: 'x' })).toThrow(JiraExpressionError);
    expect(() => evaluateJiraExpression("value == null ?", { value: null })).toThrow(/Syntax/);
  });
});
