// Admin: support. The support export (configuration without values or secrets, to attach to a
// support request), the live egress report (what is stored where, and until when) and the audit.
import React, { useState } from 'react';
import { Button, ButtonGroup, CodeBlock, DynamicTable, Heading, Stack, Text } from '@forge/react';
import { ErrorBanner, useAdminCall } from './admin-kit';

interface EgressCategory {
  name: string;
  storedIn: string;
  computedIn: string;
  count: number | null;
  retention: string;
  pendingPurge: Array<{ id: string; purgeAt: string }>;
}

export function SupportPanel() {
  const { run, error } = useAdminCall();
  const [exported, setExported] = useState<string>();
  const [egress, setEgress] = useState<EgressCategory[]>();
  const [audit, setAudit] = useState<string>();

  const loadExport = async () => {
    const doc = await run<unknown>('support/export');
    if (doc) setExported(JSON.stringify(doc, null, 2));
  };
  const loadEgress = async () => {
    const report = await run<{ categories: EgressCategory[] }>('support/egress');
    if (report) setEgress(report.categories);
  };
  const loadAudit = async () => {
    const page = await run<unknown>('support/audit', { limit: 50 });
    if (page) setAudit(JSON.stringify(page, null, 2));
  };

  return (
    <Stack space="space.200">
      <ErrorBanner message={error} />
      <Heading as="h3">Support</Heading>
      <ButtonGroup>
        <Button onClick={loadExport}>Prepare support export</Button>
        <Button onClick={loadEgress}>Show the egress report</Button>
        <Button onClick={loadAudit}>Show the audit trail</Button>
      </ButtonGroup>
      {exported ? (
        <Stack space="space.100">
          <Text>Support export: copy it (top-right of the block) and attach it to your request. It holds configuration only: no field values, no secrets.</Text>
          <CodeBlock language="json" text={exported} />
        </Stack>
      ) : null}
      {egress ? (
        <DynamicTable
          caption="What open-connect stores and where"
          head={{ cells: ['Data', 'Stored in', 'Computed in', 'Count', 'Kept', 'Pending purge'].map((content, i) => ({ key: `h${i}`, content })) }}
          rows={egress.map((c) => ({
            key: c.name,
            cells: [c.name, c.storedIn, c.computedIn, c.count === null ? '—' : String(c.count), c.retention, String(c.pendingPurge.length)].map((content, i) => ({ key: `${c.name}-${i}`, content })),
          }))}
        />
      ) : null}
      {audit ? <CodeBlock language="json" text={audit} /> : null}
    </Stack>
  );
}
