// Admin: datasource health over the last hour, as the companion instance that answered saw it. The
// charts carry what a picture reads better than numbers (calls over time per datasource, how the
// cache answered); the table keeps the exact figures, p95 latency included.
import React, { useEffect, useState } from 'react';
import { Button, DynamicTable, Heading, LineChart, Stack, StackBarChart, Text } from '@forge/react';
import type { HealthReport } from '../../../companion/contract/index';
import { ErrorBanner, useAdminCall } from './admin-kit';

const time = (iso: string) => iso.slice(11, 16);
const percent = (ratio: number | null) => (ratio === null ? '—' : `${Math.round(ratio * 100)} %`);

/** One point per datasource and 5-minute slot: the line chart's rows. */
export function callSeries(report: HealthReport) {
  return report.datasources.flatMap((d) => d.slots.map((s) => ({ time: time(s.start), calls: s.calls, errors: s.errors, datasource: d.name })));
}

/** One bar per datasource, stacked by how the cache answered. */
export function cacheSeries(report: HealthReport) {
  return report.datasources.flatMap((d) => [
    { datasource: d.name, outcome: 'hit', count: d.hits },
    { datasource: d.name, outcome: 'miss', count: d.misses },
    { datasource: d.name, outcome: 'stale', count: d.stale },
  ]);
}

export function HealthPanel() {
  const { run, error } = useAdminCall();
  const [report, setReport] = useState<HealthReport>();
  const load = async () => {
    const answer = await run<HealthReport>('health/datasources');
    if (answer) setReport(answer);
  };
  useEffect(() => {
    void load();
  }, []);

  const used = report?.datasources.filter((d) => d.calls + d.hits + d.misses + d.stale > 0) ?? [];
  return (
    <Stack space="space.200">
      <ErrorBanner message={error} />
      <Heading as="h3">Datasource health</Heading>
      <Text>The last {report?.windowMinutes ?? 60} minutes in {report?.slotMinutes ?? 5}-minute steps, as the companion instance that answered saw them.</Text>
      <Button onClick={load}>Refresh</Button>
      {report && used.length === 0 ? <Text>No datasource was queried in this window.</Text> : null}
      {report && used.length > 0 ? (
        <Stack space="space.200">
          <LineChart title="Upstream calls" subtitle="per 5 minutes" data={callSeries({ ...report, datasources: used })} xAccessor="time" yAccessor="calls" colorAccessor="datasource" />
          <StackBarChart title="Cache answers" subtitle="hit: from the cache, miss: asked the datasource, stale: datasource failed, last good answer" data={cacheSeries({ ...report, datasources: used })} xAccessor="datasource" yAccessor="count" colorAccessor="outcome" />
        </Stack>
      ) : null}
      {report ? (
        <DynamicTable
          caption="Datasources"
          head={{ cells: ['Datasource', 'Calls', 'Errors', 'p95 (ms)', 'Cache hit ratio'].map((content, i) => ({ key: `h${i}`, content })) }}
          rows={report.datasources.map((d) => ({
            key: d.id,
            cells: [d.name, String(d.calls), String(d.errors), d.p95Ms === null ? '—' : String(Math.round(d.p95Ms)), percent(d.hitRatio)].map((content, i) => ({ key: `${d.id}-${i}`, content })),
          }))}
        />
      ) : null}
    </Stack>
  );
}
