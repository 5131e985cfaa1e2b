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

CREATE FUNCTION "oc_bump_tenant_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tenant UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN
        tenant := OLD."tenantId";
    ELSE
        tenant := NEW."tenantId";
    END IF;
    INSERT INTO "TenantChange" ("tenantId", "seq") VALUES (tenant, 1)
    ON CONFLICT ("tenantId") DO UPDATE SET "seq" = "TenantChange"."seq" + 1;
    -- A row moved to another tenant (never done, but then both must hear of it).
    IF TG_OP = 'UPDATE' AND OLD."tenantId" IS DISTINCT FROM NEW."tenantId" THEN
        INSERT INTO "TenantChange" ("tenantId", "seq") VALUES (OLD."tenantId", 1)
        ON CONFLICT ("tenantId") DO UPDATE SET "seq" = "TenantChange"."seq" + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER "Datasource_tenant_change" AFTER INSERT OR UPDATE OR DELETE ON "Datasource"
    FOR EACH ROW EXECUTE FUNCTION "oc_bump_tenant_change"();

CREATE TRIGGER "Field_tenant_change" AFTER INSERT OR UPDATE OR DELETE ON "Field"
    FOR EACH ROW EXECUTE FUNCTION "oc_bump_tenant_change"();
