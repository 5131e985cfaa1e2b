-- Scale-out (docs/SCALING.md): instances on one database see each other's configuration changes on
-- their next request, and make one upstream call per cache miss between them.

-- One change sequence per tenant, bumped by the triggers below in the same transaction as every
-- insert, update or delete of a datasource or field row (so also by a cache clear, which bumps the
-- datasource's generation). No foreign key: a tenant's cascaded delete fires the triggers too.
CREATE TABLE "TenantChange" (
    "tenantId" UUID NOT NULL,
    "seq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "TenantChange_pkey" PRIMARY KEY ("tenantId")
);

-- A fill lease per cache key: the instance holding it calls the upstream, the others wait for the
-- entry it writes to "CacheEntry". The expiry lets another instance take over from a crashed filler.
CREATE TABLE "CacheFill" (
    "tenantId" UUID NOT NULL,
    "keyHash" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CacheFill_pkey" PRIMARY KEY ("tenantId","keyHash")
);

CREATE INDEX "CacheFill_expiresAt_idx" ON "CacheFill"("expiresAt");

-- The body is an escape string with \073 for each semicolon: `prisma migrate deploy` splits a script
-- at every semicolon character, even inside a dollar-quoted body, and this file must work with it.
CREATE FUNCTION "oc_bump_tenant_change"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
    tenant UUID\073
BEGIN
    IF TG_OP = ''DELETE'' THEN
        tenant := OLD."tenantId"\073
    ELSE
        tenant := NEW."tenantId"\073
    END IF\073
    INSERT INTO "TenantChange" ("tenantId", "seq") VALUES (tenant, 1)
    ON CONFLICT ("tenantId") DO UPDATE SET "seq" = "TenantChange"."seq" + 1\073
    RETURN NULL\073
END
';

CREATE TRIGGER "Datasource_tenant_change" AFTER INSERT OR UPDATE OR DELETE ON "Datasource"
    FOR EACH ROW EXECUTE FUNCTION "oc_bump_tenant_change"();

CREATE TRIGGER "Field_tenant_change" AFTER INSERT OR UPDATE OR DELETE ON "Field"
    FOR EACH ROW EXECUTE FUNCTION "oc_bump_tenant_change"();
