// The `connectedValue` JQL function (manifest `jira:jqlFunction`): `issue in connectedValue("Customer",
// "gold")` finds the issues whose object field holds one of the options the field's own query offers
// for that text, exactly as its editor's search would (the text is the query's `$userInput`, a bound
// parameter: a JQL user can never run a query of their own against a datasource). Jira calls the
// function with `{precomputationId, clause: {field, operator, arguments, ...}}` and replaces the
// clause with the `{jql}` returned, or shows `{error}` (Forge docs, "Custom JQL functions"). Jira keeps
// that answer as a precomputation shared by every user, so it is computed as the app, with no user.
// At most 1,000 values (Jira's limit for a function): a field never offers more (its maxOptions).
import type { JqlValuesResponse } from '../../companion/contract/index';
import { companionClient, companionPath as p, CompanionError } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';

interface JqlFunctionEvent {
  precomputationId?: string;
  clause?: { field?: string; type?: string[]; operator?: string; functionName?: string; arguments?: unknown[] };
}

const FIELD_KEY = /^customfield_([0-9]{1,12})$/;
/** Matches nothing (every issue has a key) / everything: what an empty option list means. */
const NOTHING = 'issuekey is EMPTY';
const EVERYTHING = 'issuekey is not EMPTY';

/** A JQL string literal: double-quoted, with backslashes and quotes escaped. */
export const jqlString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function buildJqlFunction(platform: ForgePlatform) {
  const companion = companionClient(platform);

  /** The field named by id (customfield_10050) or by its Jira name, among the site's fields. */
  async function fieldNamed(ref: string): Promise<{ id: string; name: string } | undefined> {
    const listed = await platform.readJira('/rest/api/3/field');
    const fields = Array.isArray(listed.body) ? (listed.body as Array<{ id?: unknown; name?: unknown }>) : [];
    const found = fields.find((f) => f.id === ref) ?? fields.filter((f) => typeof f.name === 'string' && f.name.toLowerCase() === ref.toLowerCase()).at(0);
    return found && typeof found.id === 'string' && FIELD_KEY.test(found.id) ? { id: found.id, name: String(found.name ?? found.id) } : undefined;
  }

  return async (event: JqlFunctionEvent = {}): Promise<{ jql: string } | { error: string }> => {
    const [fieldRef, input] = (event.clause?.arguments ?? []).map((a) => (typeof a === 'string' ? a.trim() : ''));
    const negate = event.clause?.operator === 'not in';
    if (!fieldRef || !input) return { error: 'connectedValue needs a connected field and a text: connectedValue("Customer", "gold")' };
    if (input.length > 1000) return { error: 'connectedValue: the text is longer than 1,000 characters' };
    const field = await fieldNamed(fieldRef);
    if (!field) return { error: `connectedValue: "${fieldRef}" is not a field of this site` };
    let answer: JqlValuesResponse;
    try {
      answer = await companion.as(undefined).request<JqlValuesResponse>('POST', p`/v1/fields/${field.id}/jql`, { input });
    } catch (error) {
      return { error: `connectedValue: ${error instanceof CompanionError ? error.message : 'the values could not be computed'}` };
    }
    if (answer.storage !== 'object') {
      return { error: `connectedValue works with object fields; search "${field.name}" with ~ (e.g. "${field.name}" ~ ${jqlString(input)})` };
    }
    if (answer.options.length === 0) return { jql: negate ? EVERYTHING : NOTHING };
    const ids = [...new Set(answer.options.map((o) => o.id))].map(jqlString).join(', ');
    // The field's id alias (manifest: `ConnectedId`), named by the field's own Jira name.
    return { jql: `${jqlString(field.name)}.ConnectedId ${negate ? 'not in' : 'in'} (${ids})` };
  };
}
