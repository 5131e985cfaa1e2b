// The events Forge delivers to the companion's endpoints, as Atlassian documents them:
// - installed / upgraded (Forge docs "Life cycle events"): `{eventType: "avi:forge:installed:app" |
//   "avi:forge:upgraded:app", id, installerAccountId? | upgraderAccountId?, app, environment, …}`;
// - preUninstall (manifest reference "Pre-uninstall trigger"): `{context: {cloudId, moduleKey},
//   contextToken}`, with no eventType;
// - Jira events (events reference "Jira"): `{eventType: "avi:jira:deleted:issue", issue, atlassianId?, …}`.
// Whether a remote receives the event bare or wrapped in `payload` (as the retry docs show it) is not
// written down: both are read. Event types are matched exactly, never by a substring.
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { badRequest, unprocessable } from '../errors.js';

export const INSTALLED_EVENT = 'avi:forge:installed:app';
export const UPGRADED_EVENT = 'avi:forge:upgraded:app';
export const ISSUE_DELETED_EVENT = 'avi:jira:deleted:issue';

const AccountId = Type.String({ minLength: 1, maxLength: 128 });
const Anything = Type.Record(Type.String(), Type.Unknown());

/** What a route declares as its body: an event, bare or under `payload` (checked by the readers below). */
export const PlatformEventBody = Type.Object({ payload: Type.Optional(Anything) }, { additionalProperties: true });

const InstallEvent = Type.Object({
  eventType: Type.String({ minLength: 1, maxLength: 200 }),
  installerAccountId: Type.Optional(AccountId),
  upgraderAccountId: Type.Optional(AccountId),
});

const UninstallEvent = Type.Object({
  context: Type.Object({ cloudId: Type.String({ minLength: 1, maxLength: 200 }), moduleKey: Type.String({ minLength: 1, maxLength: 200 }) }),
  contextToken: Type.String({ minLength: 1, maxLength: 16 * 1024 }),
});

const JiraEvent = Type.Object({
  eventType: Type.String({ minLength: 1, maxLength: 200 }),
  // Forge sends the whole issue; only its id matters here.
  issue: Type.Optional(Type.Object({ id: Type.Optional(Type.Unknown()) })),
});

const unwrap = (body: unknown): unknown => {
  const record = body as Record<string, unknown> | null | undefined;
  return record && typeof record.payload === 'object' && record.payload !== null && !Array.isArray(record.payload) ? record.payload : body;
};

function read<T extends TSchema>(schema: T, body: unknown, what: string): Static<T> {
  const event = unwrap(body);
  if (!Value.Check(schema, event)) {
    const [first] = [...Value.Errors(schema, event)];
    throw badRequest(`This is not ${what}${first ? `: ${first.instancePath || 'body'} ${first.message}` : ''}`, 'invalid_event');
  }
  return event as Static<T>;
}

export interface InstallFacts {
  kind: 'installed' | 'upgraded';
  eventType: string;
  /** The user who installed or upgraded the app, when Forge names one. */
  byAccountId: string | null;
}

export function readInstallEvent(body: unknown): InstallFacts {
  const event = read(InstallEvent, body, 'a Forge installed or upgraded event');
  if (event.eventType === INSTALLED_EVENT) return { kind: 'installed', eventType: event.eventType, byAccountId: event.installerAccountId ?? null };
  if (event.eventType === UPGRADED_EVENT) return { kind: 'upgraded', eventType: event.eventType, byAccountId: event.upgraderAccountId ?? null };
  throw unprocessable(`The lifecycle endpoint takes ${INSTALLED_EVENT} and ${UPGRADED_EVENT}, not ${event.eventType}`, 'unsupported_event');
}

/** The preUninstall body; what it names is kept for the audit (never the context token). */
export function readUninstallEvent(body: unknown): { cloudId: string; moduleKey: string } {
  const { context } = read(UninstallEvent, body, 'a Forge preUninstall invocation');
  return { cloudId: context.cloudId, moduleKey: context.moduleKey };
}

/** The id of the issue an issue-deleted event names, or undefined for any other event. */
export function deletedIssueIdOf(body: unknown): string | undefined {
  const event = read(JiraEvent, body, 'a Jira event');
  const id = event.issue?.id;
  if (event.eventType !== ISSUE_DELETED_EVENT || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  return /^[0-9]{1,18}$/.test(String(id)) ? String(id) : undefined;
}
