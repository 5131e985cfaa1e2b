// REST/JSON datasources. The field's query, once rendered, is `[GET|POST ]<path and query string>`
// on its first line that is not blank and, for POST, the JSON body on the lines after it. The whole
// template is rendered before it is split, so Velocity directives may stand on lines of their own
// (`#set(...)`, `#if(...)` around the path) as in Elements Connect. Values are URL-encoded in the
// path and JSON-escaped in the body; the URL always stays on the datasource's base URL.
import type { Dispatcher } from 'undici';
import type { RestConfig } from '../contract/datasource.js';
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import { renderTemplate } from '../templates/render-template.js';
import { exchange, type HttpAnswer } from './http-exchange.js';
import { headerProblem, isCredentialHeader } from './rest-headers.js';
import type { OAuth2Tokens } from './oauth2-tokens.js';
import { upstreamBadBody, upstreamMisconfigured, upstreamStatus } from './upstream-errors.js';
import type { Deadline } from '../deadline.js';
import { configOf, timeoutOf, type Connector, type EvaluatedQuery, type FetchedData } from './connector-types.js';
import type { CallerContext } from './query-pipeline-types.js';

const METHOD = /^\s*(GET|POST)\s+/i;
const TOKEN_TIMEOUT_MS = 5_000;

/** Splits `[METHOD ]line1\nbody…` into its parts; the method defaults to the datasource's. */
export function splitRestQuery(query: string, fallback: 'GET' | 'POST'): { method: 'GET' | 'POST'; path: string; body: string } {
  const newline = query.indexOf('\n');
  let first = newline < 0 ? query : query.slice(0, newline);
  const body = newline < 0 ? '' : query.slice(newline + 1).trim();
  let method = fallback;
  const m = METHOD.exec(first);
  if (m) {
    method = m[1]!.toUpperCase() as 'GET' | 'POST';
    first = first.slice(m[0].length);
  }
  return { method, path: first.trim(), body };
}

const lines = (text: string) => text.split('\n');
const firstContent = (all: string[]) => all.findIndex((line) => line.trim() !== '');

/**
 * Renders a whole REST query: the path from a rendering with URL encoding, the body from one with
 * JSON escaping. Encoded values never hold a raw line break, so both renderings have the same lines.
 */
export function renderRestQuery(query: string, vars: Record<string, unknown>, fallback: 'GET' | 'POST'): EvaluatedQuery {
  const url = lines(renderTemplate(query, vars, 'url').text);
  const at = firstContent(url);
  const parts = splitRestQuery(at < 0 ? '' : url[at]!, fallback);
  let body = '';
  if (parts.method === 'POST') {
    const json = lines(renderTemplate(query, vars, 'json').text);
    body = json.slice(firstContent(json) + 1).join('\n').trim();
  }
  return { text: `${parts.method} ${parts.path}${body ? `\n${body}` : ''}`, params: [] };
}

/** Base URL + rendered path, refusing anything that would leave the base URL's origin. */
export function joinUrl(ds: DatasourceForUse, baseUrl: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw upstreamMisconfigured(ds.row.name, 'its base URL is not a URL');
  }
  if (!path) return base;
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) throw upstreamMisconfigured(ds.row.name, 'the query must be a path, not a full URL');
  // The path goes after the base URL's path; the base URL's own query parameters (an API version,
  // a tenant) are kept unless the rendered query sets the same name.
  const trimmed = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const joined = new URL(path.startsWith('?') || path.startsWith('/') ? `${trimmed}${path}` : `${trimmed}/${path}`);
  if (joined.origin !== base.origin) throw upstreamMisconfigured(ds.row.name, 'the query leaves the base URL');
  for (const [name, value] of base.searchParams) if (!joined.searchParams.has(name)) joined.searchParams.append(name, value);
  return joined;
}

export interface RestRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | undefined;
}

export function restConnector(agent: Dispatcher, oauth: OAuth2Tokens): Connector {
  /** Headers and URL with the datasource's credentials applied; only ever sent, never returned. */
  async function authorise(ds: DatasourceForUse, req: RestRequest, deadline: Deadline): Promise<{ req: RestRequest; secretHeaders: string[] }> {
    const config = configOf<RestConfig>(ds);
    const problem = headerProblem(config.headers);
    if (problem) throw upstreamMisconfigured(ds.row.name, problem);
    const headers: Record<string, string> = { accept: 'application/json', ...lower(config.headers ?? {}), ...req.headers };
    const auth = config.auth ?? { mode: 'none' };
    // A copy only where the key goes into the query string: `req` is sent again as it came on a retry.
    const url = auth.mode === 'apiKey' && auth.in === 'query' ? new URL(req.url) : req.url;
    const need = (name: 'password' | 'token' | 'apiKey') => {
      const value = ds.secrets[name];
      if (!value) throw upstreamMisconfigured(ds.row.name, `${auth.mode} authentication needs secrets.${name}`);
      return value;
    };
    // Custom headers that carry credentials are secrets too: never carried to another origin.
    const secretHeaders = Object.keys(config.headers ?? {}).filter(isCredentialHeader);
    switch (auth.mode) {
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${need('password')}`).toString('base64')}`;
        break;
      case 'bearer':
        headers.authorization = `Bearer ${need('token')}`;
        break;
      case 'apiKey':
        if (auth.in === 'query') url.searchParams.set(auth.name, need('apiKey'));
        else {
          headers[auth.name.toLowerCase()] = need('apiKey');
          secretHeaders.push(auth.name);
        }
        break;
      case 'oauth2ClientCredentials':
        // The token request and the data request share the request's deadline; the token gets 5 s at most.
        headers.authorization = `Bearer ${await oauth.token(ds, auth, Math.min(timeoutOf(ds), TOKEN_TIMEOUT_MS), deadline)}`;
        break;
      default:
        break;
    }
    return { req: { ...req, url, headers }, secretHeaders };
  }

  async function send(ds: DatasourceForUse, req: RestRequest, deadline: Deadline, authorised = authorise(ds, req, deadline)): Promise<HttpAnswer> {
    const { req: authed, secretHeaders } = await authorised;
    const answer = await exchange(agent, { ...authed, timeoutMs: timeoutOf(ds), datasourceName: ds.row.name, deadline }, secretHeaders);
    // An OAuth2 token may be revoked before it expires: fetch a fresh one once and retry, within
    // what is left of the same deadline.
    if (answer.status === 401 && configOf<RestConfig>(ds).auth?.mode === 'oauth2ClientCredentials') {
      oauth.forget(ds);
      const again = await authorise(ds, req, deadline);
      return exchange(agent, { ...again.req, timeoutMs: timeoutOf(ds), datasourceName: ds.row.name, deadline }, again.secretHeaders);
    }
    return answer;
  }

  function build(ds: DatasourceForUse, query: EvaluatedQuery): RestRequest {
    const config = configOf<RestConfig>(ds);
    const parts = splitRestQuery(query.text, config.method ?? 'GET');
    const url = joinUrl(ds, config.baseUrl, parts.path);
    const body = parts.method === 'POST' ? parts.body || '{}' : undefined;
    return { url, method: parts.method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body };
  }

  /**
   * The request built and, unless its credentials come from a token endpoint (which is I/O),
   * authorised now; the function returned sends it. Throws what building it throws.
   */
  function prepared(ds: DatasourceForUse, query: EvaluatedQuery, caller: CallerContext): () => Promise<FetchedData> {
    const req = build(ds, query);
    const authorised = configOf<RestConfig>(ds).auth?.mode === 'oauth2ClientCredentials' ? undefined : authorise(ds, req, caller.deadline);
    // Awaited when it is sent; until then a refusal (a secret missing) is no unhandled rejection.
    authorised?.catch(() => undefined);
    return async () => {
      const answer = await send(ds, req, caller.deadline, authorised);
      if (answer.status < 200 || answer.status >= 300) throw upstreamStatus(ds.row.name, answer.status);
      const started = performance.now();
      const data = parseJson(ds, answer);
      return { data, isRows: false, sendMs: answer.sendMs, waitMs: answer.waitMs, parseMs: performance.now() - started };
    };
  }

  return {
    evaluate(ds, query, vars) {
      return renderRestQuery(query, vars as never, configOf<RestConfig>(ds).method ?? 'GET');
    },

    async fetch(ds, query, caller): Promise<FetchedData> {
      return prepared(ds, query, caller)();
    },

    prepare: prepared,

    async test(ds, caller) {
      const config = configOf<RestConfig>(ds);
      const url = joinUrl(ds, config.baseUrl, (config.testPath ?? '').trim());
      const answer = await send(ds, { url, method: 'GET', headers: {}, body: undefined }, caller.deadline);
      if (answer.status < 200 || answer.status >= 300) throw upstreamStatus(ds.row.name, answer.status);
      return `The test path answered HTTP ${answer.status}`;
    },
  };
}

export function parseJson(ds: DatasourceForUse, answer: HttpAnswer): unknown {
  const text = answer.body.toString('utf8').trim();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw upstreamBadBody(ds.row.name, `a body that is not valid JSON (${answer.contentType || 'no content type'})`);
  }
}

const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
