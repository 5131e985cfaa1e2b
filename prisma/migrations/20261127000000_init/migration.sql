-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "installationId" TEXT NOT NULL,
    "cloudId" TEXT,
    "apiBaseUrl" TEXT,
    "environment" TEXT,
    "licenseState" TEXT,
    "mappingsVersion" INTEGER NOT NULL DEFAULT 1,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "purgeAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Datasource" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "secrets" JSONB NOT NULL DEFAULT '{}',
    "cacheTtlSeconds" INTEGER NOT NULL DEFAULT 300,
    "timeoutMs" INTEGER NOT NULL DEFAULT 10000,
    "cacheGeneration" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "purgeAt" TIMESTAMP(3),

    CONSTRAINT "Datasource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Field" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "datasourceId" UUID NOT NULL,
    "editor" TEXT NOT NULL,
    "storage" TEXT NOT NULL,
    "query" TEXT NOT NULL DEFAULT '',
    "resultPath" TEXT,
    "idTemplate" TEXT,
    "displayTemplate" TEXT,
    "cacheTtlSeconds" INTEGER,
    "maxOptions" INTEGER NOT NULL DEFAULT 1000,
    "dependsOn" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "cacheGeneration" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "purgeAt" TIMESTAMP(3),

    CONSTRAINT "Field_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Item" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "datasourceId" UUID NOT NULL,
    "editor" TEXT NOT NULL,
    "query" TEXT NOT NULL DEFAULT '',
    "resultPath" TEXT,
    "idTemplate" TEXT,
    "displayTemplate" TEXT,
    "cacheTtlSeconds" INTEGER,
    "maxOptions" INTEGER NOT NULL DEFAULT 1000,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "dependsOn" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "cacheGeneration" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "purgeAt" TIMESTAMP(3),

    CONSTRAINT "Item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Mapping" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "itemId" UUID NOT NULL,
    "projectId" TEXT NOT NULL,
    "issueTypeIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "requestTypeIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "hidden" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Mapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ItemValue" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "issueId" TEXT NOT NULL,
    "itemId" UUID NOT NULL,
    "values" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "purgeAt" TIMESTAMP(3),

    CONSTRAINT "ItemValue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CacheEntry" (
    "tenantId" UUID NOT NULL,
    "keyHash" TEXT NOT NULL,
    "datasourceId" UUID NOT NULL,
    "fieldId" UUID,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "staleUntil" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CacheEntry_pkey" PRIMARY KEY ("tenantId","keyHash")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "leaseUntil" TIMESTAMP(3) NOT NULL,
    "lastRunAt" TIMESTAMP(3),

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_installationId_key" ON "Tenant"("installationId");

-- CreateIndex
CREATE INDEX "Tenant_purgeAt_idx" ON "Tenant"("purgeAt");

-- CreateIndex
CREATE INDEX "Datasource_tenantId_deletedAt_idx" ON "Datasource"("tenantId", "deletedAt");

-- CreateIndex
CREATE INDEX "Datasource_purgeAt_idx" ON "Datasource"("purgeAt");

-- CreateIndex
CREATE INDEX "Field_tenantId_key_idx" ON "Field"("tenantId", "key");

-- CreateIndex
CREATE INDEX "Field_tenantId_deletedAt_idx" ON "Field"("tenantId", "deletedAt");

-- CreateIndex
CREATE INDEX "Field_datasourceId_idx" ON "Field"("datasourceId");

-- CreateIndex
CREATE INDEX "Field_purgeAt_idx" ON "Field"("purgeAt");

-- CreateIndex
CREATE INDEX "Item_tenantId_key_idx" ON "Item"("tenantId", "key");

-- CreateIndex
CREATE INDEX "Item_tenantId_deletedAt_idx" ON "Item"("tenantId", "deletedAt");

-- CreateIndex
CREATE INDEX "Item_datasourceId_idx" ON "Item"("datasourceId");

-- CreateIndex
CREATE INDEX "Item_purgeAt_idx" ON "Item"("purgeAt");

-- CreateIndex
CREATE INDEX "Mapping_tenantId_projectId_idx" ON "Mapping"("tenantId", "projectId");

-- CreateIndex
CREATE INDEX "ItemValue_purgeAt_idx" ON "ItemValue"("purgeAt");

-- CreateIndex
CREATE UNIQUE INDEX "ItemValue_tenantId_issueId_itemId_key" ON "ItemValue"("tenantId", "issueId", "itemId");

-- CreateIndex
CREATE INDEX "CacheEntry_datasourceId_idx" ON "CacheEntry"("datasourceId");

-- CreateIndex
CREATE INDEX "CacheEntry_fieldId_idx" ON "CacheEntry"("fieldId");

-- CreateIndex
CREATE INDEX "CacheEntry_staleUntil_idx" ON "CacheEntry"("staleUntil");

-- CreateIndex
CREATE INDEX "AuditEvent_tenantId_at_id_idx" ON "AuditEvent"("tenantId", "at", "id");

-- AddForeignKey
ALTER TABLE "Datasource" ADD CONSTRAINT "Datasource_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Field" ADD CONSTRAINT "Field_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Field" ADD CONSTRAINT "Field_datasourceId_fkey" FOREIGN KEY ("datasourceId") REFERENCES "Datasource"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Item" ADD CONSTRAINT "Item_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Item" ADD CONSTRAINT "Item_datasourceId_fkey" FOREIGN KEY ("datasourceId") REFERENCES "Datasource"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Mapping" ADD CONSTRAINT "Mapping_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Mapping" ADD CONSTRAINT "Mapping_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "Item"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ItemValue" ADD CONSTRAINT "ItemValue_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ItemValue" ADD CONSTRAINT "ItemValue_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "Item"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CacheEntry" ADD CONSTRAINT "CacheEntry_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

