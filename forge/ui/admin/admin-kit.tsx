// Small building blocks shared by the admin panels: labelled inputs (with the message about that
// input beside it, from the companion's `error.details` or the form's own checks), a choice, the
// error banner that shows the companion's own message, and a hook that runs one admin call at a time.
import React, { useCallback, useState } from 'react';
import { ErrorMessage, HelperMessage, Label, SectionMessage, Select, Stack, Text, TextArea, Textfield } from '@forge/react';
import type { ErrorDetail, TemplateWarning } from '../../../companion/contract/index';
import { ResolverCallError, callResolver, messageOf } from '../resolver-call';

type InputEvent = { target: { value?: unknown } };

/** What is shown under an input: its error, else its help text. */
function Beneath({ error, help }: { error?: string | undefined; help?: string | undefined }) {
  if (error) return <ErrorMessage>{error}</ErrorMessage>;
  return help ? <HelperMessage>{help}</HelperMessage> : null;
}

export function TextInput(props: { label: string; name: string; value: string; onChange: (v: string) => void; secret?: boolean; placeholder?: string; error?: string | undefined; help?: string }) {
  return (
    <Stack space="space.050">
      <Label labelFor={props.name}>{props.label}</Label>
      <Textfield
        id={props.name}
        name={props.name}
        value={props.value}
        type={props.secret ? 'password' : 'text'}
        placeholder={props.placeholder ?? ''}
        isInvalid={Boolean(props.error)}
        onChange={(e: InputEvent) => props.onChange(String(e.target.value ?? ''))}
      />
      <Beneath error={props.error} help={props.help} />
    </Stack>
  );
}

export function TextBlock(props: { label: string; name: string; value: string; onChange: (v: string) => void; error?: string | undefined; help?: string }) {
  return (
    <Stack space="space.050">
      <Label labelFor={props.name}>{props.label}</Label>
      <TextArea id={props.name} name={props.name} value={props.value} isMonospaced isInvalid={Boolean(props.error)} onChange={(e: InputEvent) => props.onChange(String(e.target.value ?? ''))} />
      <Beneath error={props.error} help={props.help} />
    </Stack>
  );
}

export function Choice(props: { label: string; name: string; value: string; choices: Array<{ label: string; value: string }>; onChange: (v: string) => void; error?: string | undefined }) {
  return (
    <Stack space="space.050">
      <Label labelFor={props.name}>{props.label}</Label>
      <Select
        id={props.name}
        options={props.choices}
        value={props.choices.find((c) => c.value === props.value) ?? null}
        isInvalid={Boolean(props.error)}
        onChange={(o: { value: string } | null) => props.onChange(o?.value ?? '')}
      />
      <Beneath error={props.error} />
    </Stack>
  );
}

export function ErrorBanner({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <SectionMessage appearance="error" title="open-connect could not do that">
      <Text>{message}</Text>
    </SectionMessage>
  );
}

/**
 * What the companion's template check found on save or in the tester: references that cannot
 * resolve and Elements Connect constructs open-connect does not support, each with its line.
 */
export function TemplateWarnings({ warnings }: { warnings: TemplateWarning[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <SectionMessage appearance="warning" title="Some template references will render empty">
      {warnings.map((w, i) => (
        <Text key={i}>{`${w.template}, line ${w.line}: ${w.reference}: ${w.message}`}</Text>
      ))}
    </SectionMessage>
  );
}

/**
 * Runs admin resolver calls, keeping the last error message for the banner and the companion's
 * `details` (which input each problem concerns) for the form that made the call.
 */
export function useAdminCall() {
  const [error, setError] = useState<string>();
  const [details, setDetails] = useState<ErrorDetail[]>([]);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T,>(definition: string, payload: Record<string, unknown> = {}): Promise<T | undefined> => {
    setBusy(true);
    try {
      const data = await callResolver<T>(definition, payload);
      setError(undefined);
      setDetails([]);
      return data;
    } catch (e) {
      setError(messageOf(e));
      setDetails(e instanceof ResolverCallError ? e.details : []);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, error, details, busy, setError };
}

/** Parses a JSON text box; an empty box is `fallback`. */
export function parseJson(text: string, fallback: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: fallback };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'That is not valid JSON' };
  }
}
