// Property-based fuzzing of every /v1 route on the embedded database (PGlite). The same suite runs
// on PostgreSQL in hostile-input-postgres.test.ts; two files so the two kinds run side by side.
import { fuzzEveryRoute } from './support/fuzz-routes.js';

fuzzEveryRoute('embedded');
