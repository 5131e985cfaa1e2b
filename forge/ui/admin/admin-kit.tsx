// Small building blocks shared by the admin panels: labelled inputs, a choice, the error banner
// that shows the companion's own message, and a hook that runs one admin call at a time.
import React, { useCallback, useState } from 'react';
import { Label, SectionMessage, Select, Stack, Text, TextArea, Textfield } from '@forge/react';
import { callResolver, messageOf } from '../resolver-call';

type InputEvent = { target: { value?: unknown } };

export function TextInput(props: { label: string; name: string; value: string; onChange: (v: string) => void; secret?: boolean; placeholder?: string }) {
  return (
    <Stack space="space.050">
      <Label labelFor={props.name}>{props.label}</Label>
      <Textfield
        id={props.name}
        name={props.name}
        value={props.value}
        type={props.secret ? 'password' : 'text'}
        placeholder={props.placeholder ?? ''}
        onChange={(e: InputEvent) => props.onChange(String(e.target.value ?? ''))}
      />
    </Stack>
  );
}

export function TextBlock(props: { label: string; name: string; value: string; onChange: (v: string) => void }) {
  return (
    <Stack space="space.050">
      <Label labelFor={props.name}>{props.label}</Label>
      <TextArea id={props.name} name={props.name} value={props.value} isMonospaced onChange={(e: InputEvent) => props.onChange(String(e.target.value ?? ''))} />
    </Stack>
  );
}

export function Choice(props: { label: string; name: string; value: string; choices: Array<{ label: string; value: string }>; onChange: (v: string) => void }) {
  return (
    <Stack space="space.050">
      <Label labelFor={props.name}>{props.label}</Label>
      <Select
        id={props.name}
        options={props.choices}
        value={props.choices.find((c) => c.value === props.value) ?? null}
        onChange={(o: { value: string } | null) => props.onChange(o?.value ?? '')}
      />
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

/** Runs admin resolver calls, keeping the last error message for the banner. */
export function useAdminCall() {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T,>(definition: string, payload: Record<string, unknown> = {}): Promise<T | undefined> => {
    setBusy(true);
    try {
      const data = await callResolver<T>(definition, payload);
      setError(undefined);
      return data;
    } catch (e) {
      setError(messageOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, error, busy, setError };
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
