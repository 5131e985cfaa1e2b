// Function handlers named in manifest.yml (`index.<export>`): the Forge bundler resolves them under
// src/. The code lives in forge/; this file only wires it to the real Forge platform.
import { forgePlatform } from '../forge/platform/forge-platform';
import { buildAdminResolver, buildFieldResolver, buildSearchSuggestions } from '../forge/resolvers/build-resolvers';

export const adminResolver = buildAdminResolver(forgePlatform).getDefinitions();
export const fieldResolver = buildFieldResolver(forgePlatform).getDefinitions();
export const searchSuggestions = buildSearchSuggestions(forgePlatform);
