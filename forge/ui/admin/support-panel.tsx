// Admin: support. The support export (configuration without values or secrets, to attach to a
// support request), the live egress report (what is stored where, and until when) and the audit.
// The export is offered as a file (UI Kit's FileCard downloads the Blob its onDownload returns),
// fetched in parts: it may be larger than the 5 MB one frontend call can receive.
import React, { useState } from 'react';
import { Button, ButtonGroup, CodeBlock, DynamicTable, FileCard, Heading, Stack, Text } from '@forge/react';
import { ErrorBanner, useAdminCall } from './admin-kit';
import { callResolver } from '../resolver-call';

interface ExportPart {
  fileName: string;
  exportedAt: string;
  part: number;
  parts: number;
  bytes: number;
  sha256: string;
  text: string;
}

/** The whole export, part by part; refused when the configuration changed between parts. */
async function downloadExport(first: ExportPart): Promise<Blob> {
  const texts = [first.text];
  for (let part = 1; part < first.parts; part++) {
    const next = await callResolver<ExportPart>('support/exportFile', { part, exportedAt: first.exportedAt });
    if (next.sha256 !== first.sha256 || next.parts !== first.parts) throw new Error('The configuration changed while the export was downloaded; prepare it again');
    texts.push(next.text);
  }
  // Joined before encoding: a part may end inside a character's UTF-16 pair.
  return new Blob([texts.join('')], { type: 'application/json' });
}

interface EgressCategory {
  name: string;
  storedIn: string;
  computedIn: string;
  count: number | null;
  retention: string;
  pendingPurge: Array<{ id: string; purgeAt: string }>;
}

export function SupportPanel() {
  const { run, error, setError } = useAdminCall();
  const [exported, setExported] = useState<ExportPart>();
  const [egress, setEgress] = useState<EgressCategory[]>();
  const [audit, setAudit] = useState<string>();

  const loadExport = async () => {
    const first = await run<ExportPart>('support/exportFile', { part: 0 });
    if (first) setExported(first);
  };
  const download = async (): Promise<Blob> => {
    try {
      return await downloadExport(exported!);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The export could not be downloaded');
      throw e;
    }
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
          <Text>Support export: download the file and attach it to your request. It holds configuration only: no field values, no secrets.</Text>
          <FileCard fileName={exported.fileName} fileSize={exported.bytes} fileType="application/json" onDownload={download} />
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
