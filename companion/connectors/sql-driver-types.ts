// What a SQL driver (pg, mysql2) offers the SQL connector: a pool per datasource version.
import type { TemplateMode } from '../templates/render-template.js';

export interface SqlPoolSettings {
  datasourceId: string;
  /** The configured host name (for TLS) and the address the egress guard approved (to connect). */
  host: string;
  address: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  poolSize: number;
  ssl: boolean;
  connectTimeoutMs: number;
  timeoutMs: number;
}

export interface SqlPool {
  query(text: string, params: unknown[], limit: number, timeoutMs: number, schema: string | undefined): Promise<unknown[]>;
  ping(timeoutMs: number, schema: string | undefined): Promise<void>;
  end(): Promise<void>;
}

export interface SqlDriver {
  placeholders: Extract<TemplateMode, 'sql-pg' | 'sql-mysql'>;
  defaultPort: number;
  createPool(settings: SqlPoolSettings): SqlPool;
}
