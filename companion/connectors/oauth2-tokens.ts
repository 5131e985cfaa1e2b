// OAuth2 client credentials: a token per datasource version, reused until shortly before it
// expires, fetched once however many requests need it at the same moment. Tokens live only in
// this process's memory: never stored, never logged.
import type { Dispatcher } from 'undici';
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import type { Deadline } from '../deadline.js';
import { exchange } from './http-exchange.js';
import { UpstreamError, upstreamBadBody, upstreamMisconfigured, upstreamTooSlow } from './upstream-errors.js';

export interface OAuth2Settings {
  tokenUrl: string;
  clientId: string;
  scope?: string;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

// Refetch a little early so that a token never expires between being read and being used.
const EARLY_MS = 30_000;
const DEFAULT_LIFETIME_S = 300;

export function oauth2Tokens(agent: Dispatcher, now: () => number = Date.now) {
  const tokens = new Map<string, CachedToken>();
  const inFlight = new Map<string, Promise<string>>();
  const keyOf = (ds: DatasourceForUse) => `${ds.row.id}:${ds.row.version}`;

  async function fetchToken(ds: DatasourceForUse, settings: OAuth2Settings, timeoutMs: number, deadline: Deadline): Promise<CachedToken> {
    const secret = ds.secrets.clientSecret;
    if (!secret) throw upstreamMisconfigured(ds.row.name, 'OAuth2 needs secrets.clientSecret');
    let url: URL;
    try {
      url = new URL(settings.tokenUrl);
    } catch {
      throw upstreamMisconfigured(ds.row.name, 'its OAuth2 token URL is not a URL');
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (settings.scope) form.set('scope', settings.scope);
    // RFC 6749 §2.3.1: client_secret_basic is the method every server must support.
    const basic = Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(secret)}`).toString('base64');
    const answer = await exchange(agent, {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: form.toString(),
      timeoutMs,
      datasourceName: ds.row.name,
      deadline,
    });
    if (answer.status < 200 || answer.status >= 300) {
      const hint = answer.status === 400 || answer.status === 401 ? ' (check the client id and secret)' : '';
      throw new UpstreamError(502, 'upstream_error', `Datasource "${ds.row.name}": the OAuth2 token endpoint answered HTTP ${answer.status}${hint}`);
    }
    let json: { access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(answer.body.toString('utf8')) as typeof json;
    } catch {
      throw upstreamBadBody(ds.row.name, 'an OAuth2 token answer that is not JSON');
    }
    if (typeof json.access_token !== 'string' || !json.access_token) throw upstreamBadBody(ds.row.name, 'an OAuth2 token answer without access_token');
    const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_LIFETIME_S;
    return { value: json.access_token, expiresAt: now() + lifetime * 1000 - EARLY_MS };
  }

  return {
    /**
     * A token for the datasource. The request that starts a token fetch bounds it by its deadline;
     * a request that joins a fetch already under way waits for it only as long as its own allows.
     */
    async token(ds: DatasourceForUse, settings: OAuth2Settings, timeoutMs: number, deadline: Deadline): Promise<string> {
      const key = keyOf(ds);
      const cached = tokens.get(key);
      if (cached && cached.expiresAt > now()) return cached.value;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = fetchToken(ds, settings, timeoutMs, deadline)
          .then((t) => {
            tokens.set(key, t);
            return t.value;
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return deadline.race(pending, () => upstreamTooSlow(ds.row.name, deadline.budgetMs));
    },
    /** The upstream refused the token (401): forget it so the next call fetches a new one. */
    forget(ds: DatasourceForUse) {
      tokens.delete(keyOf(ds));
    },
    release(datasourceId: string) {
      for (const key of tokens.keys()) if (key.startsWith(`${datasourceId}:`)) tokens.delete(key);
    },
  };
}
export type OAuth2Tokens = ReturnType<typeof oauth2Tokens>;
