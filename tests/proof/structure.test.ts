// The import graph stays a tree of floors (issue 14, "Structure"): no module imports itself through
// others, only the wiring imports the app, and the runtime fields do not reach into the items'
// domain for template values (both read them from companion/connected/, below them).
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

type Graph = Record<string, string[]>;

describe('the import graph of companion/, forge/ and src/', () => {
  let graph: Graph;
  let circular: string[][];
  beforeAll(async () => {
    const result = await madge(['companion', 'forge', 'src'], {
      fileExtensions: ['ts', 'tsx'],
      tsConfig: 'tsconfig.json',
      excludeRegExp: [/generated/],
    });
    graph = result.obj();
    circular = result.circular();
  }, 120_000);

  it('is read whole: every module with its imports resolved to files', () => {
    // A graph that lost its edges (an unresolved specifier style) would pass the checks below vacuously.
    expect(Object.keys(graph).length).toBeGreaterThan(150);
    expect(graph['companion/start-companion.ts']).toContain('companion/app.ts');
    expect(graph['companion/fields/field-service.ts'] ?? graph['companion/fields/field-routes.ts']).toBeDefined();
    const edges = Object.values(graph).reduce((n, deps) => n + deps.length, 0);
    expect(edges).toBeGreaterThan(400);
  });

  it('has no import cycle', () => {
    expect(circular).toEqual([]);
  });

  it('has only the wiring import the app', () => {
    const importers = Object.entries(graph).filter(([, deps]) => deps.includes('companion/app.ts')).map(([file]) => file);
    expect(importers.sort()).toEqual(['companion/start-companion.ts']);
  });

  it('keeps fields/ from importing items/', () => {
    const reaching = Object.entries(graph)
      .filter(([file]) => file.startsWith('companion/fields/'))
      .flatMap(([file, deps]) => deps.filter((d) => d.startsWith('companion/items/')).map((d) => `${file} → ${d}`));
    expect(reaching).toEqual([]);
  });
});
