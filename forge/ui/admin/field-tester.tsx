// The configuration tester: computes a field's options as the runtime does, bypassing the cache,
// with optional typed input and overridden parent values, and shows the evaluated query, each
// reference with the value it bound, the template check's warnings, the options and the timings.
import React, { useState } from 'react';
import { Button, ButtonGroup, CodeBlock, Heading, Stack, Text } from '@forge/react';
import { ErrorBanner, TemplateWarnings, TextBlock, TextInput, parseJson, useAdminCall } from './admin-kit';
import type { TemplateWarning } from '../../../companion/contract/index';

interface Preview {
  evaluatedQuery: { text: string; params: unknown[] };
  rowCount: number;
  options: Array<{ id: string; value: string }>;
  timings: Record<string, number>;
  bindings: Array<{ line: number; reference: string; value: unknown; resolved: boolean }>;
  warnings: TemplateWarning[];
}

export function FieldTester({ field, onClose }: { field: { id: string; name: string; dependsOn: string[] }; onClose: () => void }) {
  const { run, error, setError } = useAdminCall();
  const [input, setInput] = useState('');
  const [overrides, setOverrides] = useState(() =>
    field.dependsOn.length > 0 ? JSON.stringify(Object.fromEntries(field.dependsOn.map((k) => [k, { id: '', value: '' }])), null, 2) : '',
  );
  const [result, setResult] = useState<Preview>();

  const runTest = async () => {
    const parsed = parseJson(overrides, {});
    if (!parsed.ok) return setError(`Overrides: ${parsed.message}`);
    const answer = await run<Preview>('fields/preview', { id: field.id, input, overrides: parsed.value });
    setResult(answer);
  };

  return (
    <Stack space="space.100">
      <Heading as="h4">{`Test ${field.name}`}</Heading>
      <ErrorBanner message={error} />
      <TextInput label="Typed text ($userInput)" name="t-input" value={input} onChange={setInput} />
      <TextBlock label="Values of the fields it depends on (JSON)" name="t-overrides" value={overrides} onChange={setOverrides} />
      <ButtonGroup>
        <Button appearance="primary" onClick={runTest}>Run</Button>
        <Button onClick={onClose}>Close</Button>
      </ButtonGroup>
      {result ? (
        <Stack space="space.100">
          <Text>{`Evaluated query: ${result.evaluatedQuery.text}`}</Text>
          {result.bindings.map((b) => (
            <Text key={b.reference}>{`Line ${b.line}: ${b.reference} = ${b.resolved ? JSON.stringify(b.value) : 'nothing (renders empty, binds NULL)'}`}</Text>
          ))}
          <TemplateWarnings warnings={result.warnings} />
          <Text>{`${result.rowCount} rows, ${result.options.length} options`}</Text>
          <Text>{`Timings (ms): ${Object.entries(result.timings).map(([k, v]) => `${k} ${Math.round(v * 10) / 10}`).join(', ')}`}</Text>
          <CodeBlock language="json" text={JSON.stringify(result.options, null, 2)} />
        </Stack>
      ) : null}
    </Stack>
  );
}
