// Function handlers named in manifest.yml (`index.<export>`): the Forge bundler resolves them under
// src/. The code lives in forge/; this file only wires it to the real Forge platform.
import { forgePlatform } from '../forge/platform/forge-platform';
import { buildAdminResolver, buildFieldResolver, buildSearchSuggestions } from '../forge/resolvers/build-resolvers';
import { buildAutomationActions } from '../forge/automation/automation-actions';
import { buildValueFunction } from '../forge/fields/value-function';
import { buildJqlFunction } from '../forge/fields/jql-function';

export const adminResolver = buildAdminResolver(forgePlatform).getDefinitions();
export const fieldResolver = buildFieldResolver(forgePlatform).getDefinitions();
export const searchSuggestions = buildSearchSuggestions(forgePlatform);
export const { refreshConnectedFields, setConnectedField } = buildAutomationActions(forgePlatform);
export const connectedFieldValue = buildValueFunction(forgePlatform);
export const connectedValueJql = buildJqlFunction(forgePlatform);
