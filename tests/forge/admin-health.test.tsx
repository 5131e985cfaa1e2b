// The admin page's datasource health, rendered with react-test-renderer, its bridge wired to the
// REAL admin resolver and a real companion: after a user's options calls (a miss, then a hit), the
// charts and the table show the sample datasource's calls and cache answers; a non-admin is turned
// away before anything reaches the companion.
import './support/fake-bridge.js';
import { describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance } from 'react-test-renderer';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { platformState } from './support/forge-platform-state.js';
import { USER } from './support/forge-test-env.js';
import { adminPageSuite, asAdminPageUser } from './support/admin-page-suite.js';
import { COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { HealthPanel } = await import('../../forge/ui/admin/health-panel.js');


describe('datasource health on the admin page', () => {
  const env = adminPageSuite(handlers);

  it('charts each datasource\'s calls and cache answers and tables its figures', async () => {
    for (let i = 0; i < 2; i += 1) expect((await env.field('field/options', { fieldKey: COUNTRY_FIELD })).ok).toBe(true);
    const r = await render(<HealthPanel />);
    await settle(r, () => byType(r.root, 'LineChart').length > 0);
    expect(platformState.remoteCalls.at(-1)).toEqual({ moduleKey: 'admin-resolver', method: 'GET', path: '/v1/admin/health' });

    const name = env.config.datasource.name;
    const line = byType(r.root, 'LineChart')[0]!;
    expect(line.props).toMatchObject({ xAccessor: 'time', yAccessor: 'calls', colorAccessor: 'datasource' });
    const points = line.props.data as Array<{ datasource: string; calls: number }>;
    expect(points.filter((p) => p.datasource === name)).toHaveLength(12);
    expect(points.reduce((sum, p) => sum + p.calls, 0)).toBe(1);

    const bars = byType(r.root, 'StackBarChart')[0]!.props.data as Array<{ datasource: string; outcome: string; count: number }>;
    expect(bars).toEqual([
      { datasource: name, outcome: 'hit', count: 1 },
      { datasource: name, outcome: 'miss', count: 1 },
      { datasource: name, outcome: 'stale', count: 0 },
    ]);
    const row = byType(r.root, 'Row').find((x) => x.props.rowKey === env.config.datasource.id) as ReactTestInstance;
    const cells = byType(row, 'Cell').map((c) => c.props.children);
    expect(cells.slice(0, 3)).toEqual([name, '1', '0']);
    expect(cells[3]).toMatch(/^\d+$/);
    expect(cells[4]).toBe('50 %');

    // Refresh asks again and shows the new figures.
    await env.field('field/options', { fieldKey: COUNTRY_FIELD });
    await act(async () => (byType(r.root, 'Button').find((b) => b.props.children === 'Refresh') as ReactTestInstance).props.onClick());
    await settle(r, () => textOf(r).includes('67 %'));
  });

  it('turns a non-admin away without calling the companion', async () => {
    asAdminPageUser(handlers, USER);
    const r = await render(<HealthPanel />);
    await settle(r, () => byType(r.root, 'SectionMessage').length > 0);
    expect(textOf(r)).toContain('Only Jira administrators');
    expect(byType(r.root, 'LineChart')).toEqual([]);
    expect(platformState.remoteCalls).toEqual([]);
  });
});
