// Property-based fuzzing of every /v1 route on a real PostgreSQL (skipped loudly by the global
// setup when the server is not there, and failing then with OC_REQUIRE_ALL_DATABASES=1).
import { describe } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { fuzzEveryRoute } from './support/fuzz-routes.js';

if (databaseKinds().includes('postgres')) fuzzEveryRoute('postgres');
else describe.skip('hostile input on postgres (PostgreSQL is not reachable: see the global setup warning)', () => undefined);
