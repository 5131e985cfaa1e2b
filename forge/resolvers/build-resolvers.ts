// The two resolver functions of the manifest. `admin-resolver` serves the admin page only, and its
// key is one of the companion's admin module keys; `field-resolver` serves the field and issue
// panel UIs, so a token minted for a field UI can never reach /v1/admin.
import { Resolver } from './resolver-class';
import { companionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { defineDatasourceResolvers } from './admin-datasource-resolvers';
import { defineFieldAdminResolvers } from './admin-field-resolvers';
import { defineItemAdminResolvers } from './admin-item-resolvers';
import { defineJiraPickerResolvers } from './admin-jira-resolvers';
import { defineSupportResolvers } from './admin-support-resolvers';
import { defineHealthResolvers } from './admin-health-resolvers';
import { defineFieldResolvers, searchSuggestionsFor } from './field-resolvers';
import { defineIssueItemResolvers } from './issue-item-resolvers';
import { defineBulkEditResolvers } from './bulk-edit-resolvers';

export const ADMIN_RESOLVER_KEY = 'admin-resolver';
export const FIELD_RESOLVER_KEY = 'field-resolver';

export function buildAdminResolver(platform: ForgePlatform): Resolver {
  const resolver = new Resolver();
  const companion = companionClient(platform);
  defineDatasourceResolvers(resolver, platform, companion);
  defineFieldAdminResolvers(resolver, platform, companion);
  defineItemAdminResolvers(resolver, platform, companion);
  defineJiraPickerResolvers(resolver, platform, companion);
  defineSupportResolvers(resolver, platform, companion);
  defineHealthResolvers(resolver, platform, companion);
  return resolver;
}

export function buildFieldResolver(platform: ForgePlatform): Resolver {
  const resolver = new Resolver();
  const companion = companionClient(platform);
  defineFieldResolvers(resolver, platform, companion);
  defineIssueItemResolvers(resolver, platform, companion);
  defineBulkEditResolvers(resolver, platform, companion);
  return resolver;
}

/** What Jira sends the `searchSuggestions` function (Forge's jira:customFieldType page, "Search suggestions"). */
interface SuggestionsEvent {
  fieldId?: string;
  fieldType?: string;
  fieldName?: string;
  query?: string;
  /** Set when the user is typing a field property: `Customer.ConnectedId = …`. */
  searchAlias?: string;
  user?: { accountId?: string };
  context?: { cloudId?: string };
}

/** The `searchSuggestions` function of the connected field types. */
export function buildSearchSuggestions(platform: ForgePlatform) {
  const companion = companionClient(platform);
  return async (event: SuggestionsEvent = {}) => searchSuggestionsFor(companion, event.fieldId ?? '', event.query ?? '', event.searchAlias);
}
