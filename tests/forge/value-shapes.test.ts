// The value shapes Jira stores (DESIGN.md) and where connected items apply: pure functions, so
// these run without a companion.
import { describe, expect, it } from 'vitest';
import { displayText, isAmong, selectedOptions, toStoredValue } from '../../forge/fields/field-value.js';
import { itemsFor, type ItemHints } from '../../forge/items/item-hints-store.js';

const acme = { id: '42', value: 'Acme Ltd' };
const globex = { id: '7', value: 'Globex' };

describe('stored value shapes', () => {
  it('object fields keep id and value; multi keeps ids and values', () => {
    expect(toStoredValue('object', false, [acme])).toEqual({ id: '42', value: 'Acme Ltd' });
    expect(toStoredValue('object', true, [acme, globex])).toEqual({ ids: ['42', '7'], values: ['Acme Ltd', 'Globex'] });
  });

  it('snapshot fields keep the display value only', () => {
    expect(toStoredValue('snapshot', false, [acme])).toBe('Acme Ltd');
    expect(toStoredValue('snapshot', true, [acme, globex])).toEqual(['Acme Ltd', 'Globex']);
  });

  it('an empty selection is stored as null', () => {
    expect(toStoredValue('object', false, [])).toBeNull();
    expect(toStoredValue('snapshot', true, [])).toBeNull();
  });

  it('reads every stored shape back into options and display text', () => {
    expect(selectedOptions({ id: '42', value: 'Acme Ltd' })).toEqual([acme]);
    expect(selectedOptions({ ids: ['42', '7'], values: ['Acme Ltd', 'Globex'] })).toEqual([acme, globex]);
    expect(selectedOptions('Acme Ltd', [acme])).toEqual([acme]);
    expect(selectedOptions(['Globex'], [acme, globex])).toEqual([globex]);
    expect(selectedOptions(null)).toEqual([]);
    expect(displayText({ ids: ['42', '7'], values: ['Acme Ltd', 'Globex'] })).toBe('Acme Ltd, Globex');
    expect(displayText('Acme Ltd')).toBe('Acme Ltd');
  });

  it('checks a selection against new options by id (object) or by value (snapshot)', () => {
    expect(isAmong([acme], [acme, globex], 'object')).toBe(true);
    expect(isAmong([{ id: '42', value: 'Renamed' }], [acme], 'object')).toBe(true);
    expect(isAmong([{ id: '99', value: 'Acme Ltd' }], [acme], 'object')).toBe(false);
    expect(isAmong([{ id: 'Acme Ltd', value: 'Acme Ltd' }], [acme], 'snapshot')).toBe(true);
  });
});

describe('where connected items apply', () => {
  const hints: ItemHints = {
    items: [
      { id: 'a', key: 'connected_item_1', name: 'Account', editor: 'select' },
      { id: 'b', key: 'connected_item_2', name: 'Contract', editor: 'multiselect' },
      { id: 'c', key: 'connected_item_3', name: 'Hidden', editor: 'select' },
    ],
    mappings: [
      { itemId: 'a', projectId: '1', issueTypeIds: [], requestTypeIds: [], hidden: false },
      { itemId: 'b', projectId: '1', issueTypeIds: ['10'], requestTypeIds: ['77'], hidden: false },
      { itemId: 'c', projectId: '1', issueTypeIds: [], requestTypeIds: [], hidden: true },
    ],
  };
  const names = (where: Parameters<typeof itemsFor>[1]) => itemsFor(hints, where).map((i) => i.name);

  it('matches the project, then the issue type (none listed = every type); hidden items never show', () => {
    expect(names({ projectId: '1', issueTypeId: '10' })).toEqual(['Account', 'Contract']);
    expect(names({ projectId: '1', issueTypeId: '11' })).toEqual(['Account']);
    expect(names({ projectId: '2', issueTypeId: '10' })).toEqual([]);
  });

  it('on the portal, also matches the request type (the issue is read from the request key, so its type is known too)', () => {
    expect(names({ projectId: '1', issueTypeId: '10', requestTypeId: '77' })).toEqual(['Account', 'Contract']);
    expect(names({ projectId: '1', issueTypeId: '10', requestTypeId: '78' })).toEqual(['Account']);
    // The request type matches but the issue type does not: the mapping does not apply.
    expect(names({ projectId: '1', issueTypeId: '11', requestTypeId: '77' })).toEqual(['Account']);
  });
});
