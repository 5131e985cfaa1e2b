// The issue panel's hints in Forge storage at the contract's limits: 5,000 mappings (all on one
// project, the worst case for a per-project split), item names of 200 characters, and mappings with
// 500 issue types and 500 request types each. Written through the @forge/kvs stand-in that refuses
// what Forge's store refuses (a value over 240 KiB as JSON, a key over 500 characters), and read
// back whole.
import { beforeEach, describe, expect, it } from 'vitest';
import { kvsStub } from './support/forge-module-stubs.js';
import { platformState } from './support/forge-platform-state.js';
import { KVS_MAX_KEY_LENGTH, KVS_MAX_VALUE_BYTES } from './support/kvs-limits.js';
import { itemHintsStore, type ItemHint, type MappingHint } from '../../forge/items/item-hints-store.js';

const store = { get: kvsStub.get, set: kvsStub.set, delete: kvsStub.delete } as Parameters<typeof itemHintsStore>[0];
const PROJECT = '12345678901234567890'; // the longest Jira id the contract takes (20 digits)
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const jiraIds = (n: number, from: number) => Array.from({ length: n }, (_, i) => String(10n ** 19n + BigInt(from + i)));
const item = (n: number): ItemHint => ({ id: uuid(n), key: `connected_item_${n}`, name: `${'N'.repeat(190)} ${String(n).padStart(9, '0')}`, editor: 'multiselect' });
const mapping = (n: number, over: Partial<MappingHint> = {}): MappingHint => ({ itemId: uuid(n), projectId: PROJECT, issueTypeIds: ['10001', String(20_000 + n)], requestTypeIds: [], hidden: false, ...over });

const stored = () => [...platformState.kvs.entries()];
const largestValue = () => Math.max(...stored().map(([, v]) => new TextEncoder().encode(JSON.stringify(v)).length));

describe('item hints in Forge storage at the contract limits', () => {
  beforeEach(() => platformState.kvs.clear());

  it('5,000 mappings on one project and 5,000 items: every value under 240 KiB, every key under 500 characters', async () => {
    const items = Array.from({ length: 5000 }, (_, n) => item(n));
    const mappings = items.map((_, n) => mapping(n, { issueTypeIds: n % 2 === 0 ? [] : ['10001'] }));
    // The first layout, one value for everything, is what Forge would refuse:
    await expect(kvsStub.set('item-hints', { items, mappings })).rejects.toThrow(/MAX_SIZE|bytes; at most/);

    const hints = itemHintsStore(store);
    await hints.saveItems(items);
    await hints.replaceMappings(mappings);
    expect(largestValue()).toBeLessThan(KVS_MAX_VALUE_BYTES);
    expect(Math.max(...stored().map(([k]) => k.length))).toBeLessThan(KVS_MAX_KEY_LENGTH);

    // Every item mapped without issue types applies to every type; the others to 10001 only.
    expect((await hints.forIssue({ projectId: PROJECT, issueTypeId: '10002' })).map((i) => i.id)).toEqual(items.filter((_, n) => n % 2 === 0).map((i) => i.id));
    expect(await hints.forIssue({ projectId: PROJECT, issueTypeId: '10001' })).toEqual(items);
    expect(await hints.forIssue({ projectId: '99', issueTypeId: '10001' })).toEqual([]);
  }, 60_000);

  it('mappings with 500 issue types and 500 request types each: paged, read back whole', async () => {
    const heavy = Array.from({ length: 300 }, (_, n) => mapping(n, { issueTypeIds: jiraIds(500, n * 1000), requestTypeIds: jiraIds(500, n * 1000 + 500) }));
    const hints = itemHintsStore(store);
    await hints.saveItems(heavy.map((_, n) => item(n)));
    await hints.replaceMappings(heavy);
    expect(largestValue()).toBeLessThan(KVS_MAX_VALUE_BYTES);
    // About 7 MB of hints for this project, in pages.
    expect(stored().filter(([k]) => k.startsWith(`item-hints:project:${PROJECT}:`)).length).toBeGreaterThan(25);
    // A portal request: its issue type and its request type must both be among the mapping's.
    const where = { projectId: PROJECT, issueTypeId: heavy[7]!.issueTypeIds[2]!, requestTypeId: heavy[7]!.requestTypeIds[3]! };
    expect((await hints.forIssue(where)).map((i) => i.id)).toEqual([uuid(7)]);

    // Rewriting the project leaves no page of the previous write behind.
    await hints.replaceMappings(heavy.slice(0, 1));
    expect(stored().filter(([k]) => k.startsWith(`item-hints:project:${PROJECT}`)).map(([k]) => k)).toEqual([`item-hints:project:${PROJECT}`]);
  }, 60_000);

  it('a page of changes rewrites only the projects it touches; an emptied project disappears', async () => {
    const hints = itemHintsStore(store);
    await hints.saveItems([item(1), item(2)]);
    await hints.replaceMappings([mapping(1), mapping(2, { projectId: '20' })]);
    const before = platformState.kvs.get('item-hints:project:20');
    await hints.applyMappingChanges([mapping(2, { projectId: PROJECT, hidden: true })], [{ itemId: uuid(1), projectId: PROJECT }]);
    expect(platformState.kvs.get('item-hints:project:20')).toBe(before);
    expect(await hints.forIssue({ projectId: PROJECT, issueTypeId: '10001' })).toEqual([]);
    await hints.applyMappingChanges([], [{ itemId: uuid(2), projectId: PROJECT }, { itemId: uuid(2), projectId: '20' }]);
    expect([...platformState.kvs.keys()].filter((k) => k.startsWith('item-hints:project:'))).toEqual([]);
  });

  it('reads the single value of the first layout until the first save replaces it', async () => {
    platformState.kvs.set('item-hints', { items: [item(1)], mappings: [mapping(1)] });
    const hints = itemHintsStore(store);
    expect(await hints.forIssue({ projectId: PROJECT, issueTypeId: '10001' })).toEqual([item(1)]);
    await hints.saveItem(item(1));
    await hints.replaceMappings([mapping(1)]);
    expect(platformState.kvs.has('item-hints')).toBe(false);
    expect(await hints.forIssue({ projectId: PROJECT, issueTypeId: '10001' })).toEqual([item(1)]);
  });
});
