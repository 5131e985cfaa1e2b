// The connected field's view: the value stored in Jira, shaped by the render hints kept in Forge
// storage. It never calls the companion, so it keeps working while the companion is down.
import React, { useEffect, useState } from 'react';
import { Inline, Tag, Text } from '@forge/react';
import { selectedOptions } from '../fields/field-value';
import type { RenderHints } from '../fields/render-hints-store';
import { callResolver } from './resolver-call';
import { useForgeContext } from './use-forge-context';

export function FieldView() {
  const { context } = useForgeContext();
  const fieldKey = context?.extension.fieldId;
  const [hints, setHints] = useState<RenderHints | null>(null);
  useEffect(() => {
    if (!fieldKey) return;
    // Hints only refine the display; without them the stored value still shows.
    callResolver<RenderHints | null>('field/renderHints', { fieldKey })
      .then(setHints)
      .catch(() => setHints(null));
  }, [fieldKey]);

  if (!context) return <Text>…</Text>;
  const values = selectedOptions(context.extension.fieldValue).map((o) => o.value);
  if (values.length === 0) return <Text>None</Text>;
  if (hints?.editor === 'multiselect' || values.length > 1) {
    return (
      <Inline space="space.050">
        {values.map((v, i) => (
          <Tag key={`${i}-${v}`} text={v} />
        ))}
      </Inline>
    );
  }
  return <Text>{values[0]}</Text>;
}
