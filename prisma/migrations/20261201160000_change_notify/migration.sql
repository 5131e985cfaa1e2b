-- Push for scale-out (docs/SCALING.md, companion/cache/change-sequence.ts): every bump of a tenant's
-- change sequence also sends `pg_notify('oc_change', '<tenantId>:<seq>')`. A notification is sent
-- when its transaction commits, and listeners receive notifications in commit order, so an instance
-- listening on "oc_change" learns each new sequence without reading it on every request.
-- Same escape-string body as 20261201124500 (\073 for each semicolon: `prisma migrate deploy`
-- splits a script at every semicolon character).
CREATE OR REPLACE FUNCTION "oc_bump_tenant_change"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
    tenant UUID\073
    bumped BIGINT\073
BEGIN
    IF TG_OP = ''DELETE'' THEN
        tenant := OLD."tenantId"\073
    ELSE
        tenant := NEW."tenantId"\073
    END IF\073
    INSERT INTO "TenantChange" ("tenantId", "seq") VALUES (tenant, 1)
    ON CONFLICT ("tenantId") DO UPDATE SET "seq" = "TenantChange"."seq" + 1
    RETURNING "seq" INTO bumped\073
    PERFORM pg_notify(''oc_change'', tenant::text || '':'' || bumped::text)\073
    RETURN NULL\073
END
';
