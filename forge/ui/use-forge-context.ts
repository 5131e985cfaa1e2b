// The module's Forge context (issue, project, field id and value), read once from the bridge.
import { useEffect, useState } from 'react';
import { view } from '@forge/bridge';

export interface FieldExtension {
  fieldId?: string;
  fieldValue?: unknown;
  renderContext?: string;
  issue?: { id?: string | number; key?: string; typeId?: string | number };
  project?: { id?: string | number; key?: string };
  /** issue-bulk-edit: the selected issues (and no single `issue`). */
  issues?: Array<{ id?: string | number; key?: string }>;
}

export interface ForgeContext {
  accountId?: string;
  extension: FieldExtension;
}

export function useForgeContext(): { context: ForgeContext | undefined; error: string | undefined } {
  const [context, setContext] = useState<ForgeContext>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    view
      .getContext()
      .then((c) => setContext(c as unknown as ForgeContext))
      .catch(() => setError('The Jira context is not available'));
  }, []);
  return { context, error };
}
