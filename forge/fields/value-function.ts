// The connected field types' value function (manifest `view.value.function`). Jira calls it when an
// issue view opens, with `{field: {id, key, type, name}, issues: [{id, context, value}], contexts}`,
// and stores what it returns, one value per issue in the same order (Forge docs, "Value function"),
// so JQL, list views, exports and REST see the computed value. Only read-only configurations are
// computed (their render hints say so, from Forge storage, without a companion call); any other
// returns what a person picked, unchanged. It runs as the app (asUser is not
// supported there): the companion computes without a user, with the app's Jira token. Whatever it
// cannot compute (companion down, datasource failing, out of time) keeps the value Jira stores.
import type { ValuesResponse } from '../../companion/contract/index';
import { MAX_VALUE_ISSUES } from '../../companion/contract/index';
import { companionClient, companionPath as p } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { renderHintsStore } from './render-hints-store';

interface ValueFunctionEvent {
  field?: { id?: string };
  issues?: Array<{ id?: string | number; value?: unknown }>;
}

const FIELD_KEY = /^customfield_[0-9]{1,12}$/;
const ISSUE_ID = /^[0-9]{1,18}$/;

export function buildValueFunction(platform: ForgePlatform) {
  const companion = companionClient(platform);
  const hints = renderHintsStore(platform.kvs);
  return async (event: ValueFunctionEvent = {}): Promise<unknown[]> => {
    const issues = Array.isArray(event.issues) ? event.issues : [];
    const stored: unknown[] = issues.map((i) => i.value ?? null);
    const fieldKey = event.field?.id ?? '';
    if (!FIELD_KEY.test(fieldKey)) return stored;
    const editor = await hints.get(fieldKey).then((h) => h?.editor, () => undefined);
    if (editor !== 'readonly') return stored;
    const result = [...stored];
    const ids = issues.map((i) => String(i.id ?? ''));
    // One companion call per batch of MAX_VALUE_ISSUES, one after the other: a view asks for a few.
    for (let start = 0; start < ids.length; start += MAX_VALUE_ISSUES) {
      const batch = ids.slice(start, start + MAX_VALUE_ISSUES).map((id, i) => ({ id, at: start + i })).filter((b) => ISSUE_ID.test(b.id));
      if (batch.length === 0) continue;
      try {
        const answer = await companion.as(undefined).request<ValuesResponse>('POST', p`/v1/fields/${fieldKey}/values`, { issues: batch.map((b) => ({ id: b.id })) });
        answer.values.forEach((v, i) => {
          if (v.computed && batch[i]) result[batch[i].at] = v.value;
        });
      } catch {
        // The companion is unreachable or refused: this batch keeps its stored values.
      }
    }
    return result;
  };
}
