// Field UIs → companion: options (also as the user types), recalculation of children when a parent
// changes, and the render hints (Forge storage only: no companion call, so views survive its outage).
import type { Resolver } from './resolver-class';
import type { Request } from '@forge/resolver';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { renderHintsStore } from '../fields/render-hints-store';
import { envelope, refuse, requireString } from './resolver-envelope';
import { accountIdOf, requestContextOf } from './request-context';

const FIELD_KEY = /^customfield_[0-9]{1,12}$/;

function fieldKeyOf(payload: Record<string, unknown>): string {
  const key = requireString(payload, 'fieldKey');
  if (!FIELD_KEY.test(key)) throw refuse.badRequest('fieldKey must look like customfield_10050');
  return key;
}

export function defineFieldResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const hints = renderHintsStore(platform.kvs);
  const payloadOf = (request: Request) => (request.payload ?? {}) as Record<string, unknown>;

  resolver.define('field/options', (request: Request) =>
    envelope(() => {
      const q = payloadOf(request);
      const input = typeof q.input === 'string' ? q.input.slice(0, 1000) : undefined;
      const limit = typeof q.limit === 'number' ? q.limit : undefined;
      return companion.as(accountIdOf(request)).request('POST', p`/v1/fields/${fieldKeyOf(q)}/options`, {
        context: requestContextOf(request, q.fields),
        ...(input !== undefined ? { input } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(typeof q.cursor === 'string' ? { cursor: q.cursor } : {}),
      });
    }),
  );

  resolver.define('field/recalculate', (request: Request) =>
    envelope(() => {
      const q = payloadOf(request);
      const changed = Array.isArray(q.changed) ? q.changed.filter((k): k is string => typeof k === 'string' && FIELD_KEY.test(k)) : [];
      if (changed.length === 0) throw refuse.badRequest('changed must name at least one field');
      return companion.as(accountIdOf(request)).request('POST', '/v1/fields/recalculate', { context: requestContextOf(request, q.fields), changed });
    }),
  );

  resolver.define('field/renderHints', (request: Request) =>
    envelope(async () => (await hints.get(fieldKeyOf(payloadOf(request)))) ?? null),
  );
}

/** The object type's search aliases that hold ids (manifest.yml); the others hold display values. */
const ID_ALIASES = new Set(['ConnectedId', 'ConnectedIds']);

/**
 * JQL search suggestions for the field (the field types' `searchSuggestions` function): the options
 * matching what the user typed. For the field itself and its value aliases, the display values (what
 * the formatter shows and `Customer = "Acme Ltd"` matches); for an id alias, the id JQL compares,
 * labelled with its display value.
 */
export async function searchSuggestionsFor(companion: CompanionClient, fieldKey: string, query: string, searchAlias?: string): Promise<Array<string | { value: string; label: string }>> {
  if (!FIELD_KEY.test(fieldKey)) return [];
  try {
    // Jira asks for suggestions with no user the companion could template with.
    const answer = await companion.as(undefined).request<{ options: Array<{ id: string; value: string }> }>('POST', p`/v1/fields/${fieldKey}/options`, {
      input: query.slice(0, 1000),
      limit: 20,
    });
    if (searchAlias !== undefined && ID_ALIASES.has(searchAlias)) return answer.options.map((o) => ({ value: o.id, label: o.value }));
    return [...new Set(answer.options.map((o) => o.value))];
  } catch {
    // Suggestions are a convenience: JQL still works when they cannot be fetched.
    return [];
  }
}
