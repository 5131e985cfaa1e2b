import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConfigError, DEFAULT_ADMIN_MODULE_KEYS, DEFAULT_FUNCTION_MODULE_KEYS, DEFAULT_JWKS_URL, loadConfig } from '../../companion/config.js';

describe('configuration', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: undefined, jwksUrl: DEFAULT_JWKS_URL, production: false });
    expect([...c.adminModuleKeys]).toEqual(DEFAULT_ADMIN_MODULE_KEYS);
    expect([...c.functionModuleKeys]).toEqual(DEFAULT_FUNCTION_MODULE_KEYS);
  });

  it('refuses to start in production without an encryption key or app id', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', FORGE_APP_ID: 'ari:x' })).toThrow(/COMPANION_ENCRYPTION_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'production', COMPANION_ENCRYPTION_KEY: randomBytes(32).toString('base64') })).toThrow(/FORGE_APP_ID/);
  });

  it('fetches the JWKS over https only in production', () => {
    const production = { NODE_ENV: 'production', FORGE_APP_ID: 'ari:x', COMPANION_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    expect(() => loadConfig({ ...production, FORGE_JWKS_URL: 'http://jwks.example.com/.well-known/jwks.json' })).toThrow(/FORGE_JWKS_URL must be an https/);
    expect(loadConfig({ ...production, FORGE_JWKS_URL: 'https://jwks.example.com/.well-known/jwks.json' }).jwksUrl).toBe('https://jwks.example.com/.well-known/jwks.json');
    expect(loadConfig(production).jwksUrl).toBe(DEFAULT_JWKS_URL);
    // Outside production a loopback JWKS over plain HTTP (the tests' own) stays possible.
    expect(loadConfig({ FORGE_JWKS_URL: 'http://127.0.0.1:9/jwks.json' }).jwksUrl).toBe('http://127.0.0.1:9/jwks.json');
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ COMPANION_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/32 bytes/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ COMPANION_PREVIOUS_KEYS: 'nokid' })).toThrow(/kid:base64/);
  });

  it('gives a new database connection 3 s by default, or DATABASE_CONNECT_TIMEOUT_MS', () => {
    expect(loadConfig({}).databaseConnectTimeoutMs).toBe(3000);
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '20000' }).databaseConnectTimeoutMs).toBe(20000);
    expect(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
  });

  it('keeps the request deadline inside Forge\'s 25 s', () => {
    expect(loadConfig({}).deadlineMs).toBe(20_000);
    expect(loadConfig({ COMPANION_DEADLINE_MS: '5000' }).deadlineMs).toBe(5000);
    expect(() => loadConfig({ COMPANION_DEADLINE_MS: '25000' })).toThrow(/COMPANION_DEADLINE_MS/);
    expect(() => loadConfig({ COMPANION_DEADLINE_MS: '500' })).toThrow(/COMPANION_DEADLINE_MS/);
    expect(() => loadConfig({ COMPANION_DEADLINE_MS: 'soon' })).toThrow(/COMPANION_DEADLINE_MS/);
  });

  it('parses lists', () => {
    const c = loadConfig({ COMPANION_ADMIN_MODULE_KEYS: 'a, b', COMPANION_FUNCTION_MODULE_KEYS: 'f1,f2', COMPANION_EGRESS_ALLOW: '10.0.0.0/8,crm.internal' });
    expect([...c.adminModuleKeys]).toEqual(['a', 'b']);
    expect([...c.functionModuleKeys]).toEqual(['f1', 'f2']);
    expect(c.egressAllow).toEqual(['10.0.0.0/8', 'crm.internal']);
  });

  it('serves metrics only when asked, on loopback by default, and never beyond loopback without a token', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '127.0.0.1', token: undefined });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '::1' }).metrics?.host).toBe('::1');
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'metrics.internal']) {
      expect(() => loadConfig({ METRICS_PORT: '9464', METRICS_HOST: host }), host).toThrow(/METRICS_TOKEN is required/);
    }
    const token = 'a'.repeat(32);
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: token }).metrics).toEqual({ port: 9464, host: '0.0.0.0', token });
    expect(() => loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_TOKEN: token })).toThrow(/need METRICS_PORT/);
  });
});
