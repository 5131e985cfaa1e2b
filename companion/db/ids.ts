// Ids are UUIDs. A malformed id names nothing: callers answer 404 for it, as for an unknown one,
// rather than letting Postgres reject the cast.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string): boolean => UUID.test(id);
